"""Who may manage whose time: a practitioner their own schedule, the desk everyone's.

And the lock that makes one practitioner's changes (adding slots, an ad hoc
appointment) happen one after the other.
"""

from sqlalchemy import select, update

from dashboard.extensions import db
from dashboard.models import Practitioner, Role, User
from dashboard.services import ServiceError


def practitioners_for(user: User) -> list[Practitioner]:
    """Whose schedules `user` may manage: their own for a practitioner, everyone's for the desk."""
    if user.has_role(Role.PRACTITIONER):
        return list(db.session.scalars(select(Practitioner).where(Practitioner.user_id == user.id)))
    return list(db.session.scalars(select(Practitioner).where(Practitioner.active).order_by(Practitioner.name)))


def practitioner_for(user: User, practitioner_id: int | None) -> Practitioner:
    """The practitioner `user` asked for (or their own, or the first); ServiceError if not theirs."""
    allowed = practitioners_for(user)
    if not allowed:
        raise ServiceError("There is no practitioner whose schedule you can manage yet.")
    if practitioner_id is None:
        return allowed[0]
    for practitioner in allowed:
        if practitioner.id == practitioner_id:
            return practitioner
    if user.has_role(Role.PRACTITIONER):
        raise ServiceError("You can only manage your own schedule.")
    raise ServiceError("That practitioner is not taking appointments.")


def lock_practitioner(practitioner_id: int) -> None:
    """Serialise changes to one practitioner's time until this transaction ends.

    A no-op UPDATE of the practitioner's row: PostgreSQL locks the row, SQLite
    takes its write lock, so two people adding overlapping slots (or an ad hoc
    appointment) at once are checked one after the other."""
    db.session.execute(
        update(Practitioner).where(Practitioner.id == practitioner_id).values(active=Practitioner.active)
    )
