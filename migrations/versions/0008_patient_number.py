"""Patients' date of birth and number, and the keys the patient search looks up by index.

The number is "P-" and the id, six digits at least, given to existing patients here and to
new ones right after their INSERT (models/patient.py): the id is unique under concurrent
creates on both databases, so the number is too. The keys are the name folded (lower case,
macrons and accents off, apostrophes out) both ways round, the phone's digits (and reversed, for the end of a number) and the email
in lower case; this fills them for existing rows with the same folding as the model's.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 07:30:00.000000

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

def _bytewise(length):
    # Compared byte by byte on both databases, as the model's (SQLite's default; "C" on PostgreSQL).
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'), 'postgresql')


INDEXED = ['date_of_birth', 'name_key', 'sort_key', 'phone_key', 'phone_tail', 'email_key']


def _fold(text):
    kept = []
    for ch in unicodedata.normalize('NFKD', text or ''):
        if unicodedata.combining(ch) or ch in "'’‘`ʻ":
            continue
        kept.append(ch if ch.isalnum() else ' ')
    return ' '.join(''.join(kept).casefold().split())


def _digits(phone):
    digits = re.sub(r'\D', '', phone or '')
    if digits.startswith('64') and len(digits) > 8:
        digits = '0' + digits[2:]
    return digits or None


def upgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('number', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('name_key', _bytewise(170), nullable=True))
        batch_op.add_column(sa.Column('sort_key', _bytewise(170), nullable=True))
        batch_op.add_column(sa.Column('phone_key', _bytewise(40), nullable=True))
        batch_op.add_column(sa.Column('phone_tail', _bytewise(40), nullable=True))
        batch_op.add_column(sa.Column('email_key', _bytewise(254), nullable=True))

    patients = sa.table(
        'patients', sa.column('id', sa.Integer), sa.column('first_name', sa.String), sa.column('last_name', sa.String),
        sa.column('phone', sa.String), sa.column('email', sa.String), sa.column('number', sa.String),
        sa.column('name_key', sa.String), sa.column('sort_key', sa.String), sa.column('phone_key', sa.String), sa.column('phone_tail', sa.String),
        sa.column('email_key', sa.String),
    )
    conn = op.get_bind()
    rows = conn.execute(sa.select(patients.c.id, patients.c.first_name, patients.c.last_name, patients.c.phone,
                                  patients.c.email)).all()
    values = [
        {
            'row_id': row.id,
            'number': f'P-{row.id:06d}',
            'name_key': f'{_fold(row.first_name)} {_fold(row.last_name)}'.strip()[:170],
            'sort_key': f'{_fold(row.last_name)} {_fold(row.first_name)}'.strip()[:170],
            'phone_key': _digits(row.phone),
            'phone_tail': (_digits(row.phone) or '')[::-1] or None,
            'email_key': row.email.lower() if row.email else None,
        }
        for row in rows
    ]
    if values:
        conn.execute(
            patients.update().where(patients.c.id == sa.bindparam('row_id')).values(
                number=sa.bindparam('number'), name_key=sa.bindparam('name_key'), sort_key=sa.bindparam('sort_key'),
                phone_key=sa.bindparam('phone_key'), phone_tail=sa.bindparam('phone_tail'), email_key=sa.bindparam('email_key'),
            ),
            values,
        )

    with op.batch_alter_table('patients', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=_bytewise(170), nullable=False)
        batch_op.alter_column('sort_key', existing_type=_bytewise(170), nullable=False)
        batch_op.create_index(batch_op.f('ix_patients_number'), ['number'], unique=True)
        for column in INDEXED:
            batch_op.create_index(batch_op.f(f'ix_patients_{column}'), [column], unique=False)


def downgrade():
    with op.batch_alter_table('patients', schema=None) as batch_op:
        for column in reversed(INDEXED):
            batch_op.drop_index(batch_op.f(f'ix_patients_{column}'))
        batch_op.drop_index(batch_op.f('ix_patients_number'))
        for column in ['email_key', 'phone_tail', 'phone_key', 'sort_key', 'name_key', 'number', 'date_of_birth']:
            batch_op.drop_column(column)
