"""A believable clinic for demos and local development."""

import random
from collections.abc import Mapping
from datetime import date, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from dashboard.clinic_time import clinic_today, clinic_zone, local_to_utc
from dashboard.extensions import db
from dashboard.models import (
    Appointment,
    AppointmentStatus,
    Invoice,
    InvoiceItem,
    InvoiceStatus,
    Item,
    Notification,
    Patient,
    Payment,
    Practitioner,
    RescheduleRequest,
    Role,
    Slot,
    SlotStatus,
    StockMovement,
    User,
    WaitlistEntry,
    fold,
)
from dashboard.models.base import utcnow
from dashboard.services import billing, unit_of_work
from dashboard.services.users import create_user
from dashboard.settings import setting

STAFF = [
    ("owner", "Aroha Ngata", Role.OWNER, None, None),
    ("frontdesk", "Sam Patel", Role.STAFF, None, None),
    ("stock", "Lee Chen", Role.STAFF, None, None),
    ("dr.wilson", "Dr Hannah Wilson", Role.PRACTITIONER, "General dentistry", Decimal("85.00")),
    ("dr.tane", "Dr Mikaere Tane", Role.PRACTITIONER, "Orthodontics", Decimal("120.00")),
    ("dr.okafor", "Dr Chidi Okafor", Role.PRACTITIONER, "General practice", Decimal("65.00")),
]

FIRST_NAMES = [
    "Olivia", "Noah", "Amelia", "Oliver", "Isla", "Jack", "Charlotte", "Leo", "Mia", "Luca",
    "Ava", "Hunter", "Harper", "Mason", "Ruby", "Nikau", "Aria", "Kai", "Grace", "Manaia",
    "Sophie", "Arlo", "Ella", "Theo", "Zoe",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Williams", "Brown", "Wilson", "Taylor", "Anderson", "Thomas", "Walker", "Harris",
    "Martin", "Singh", "Kumar", "Nguyen", "Te Rangi", "Parata", "Kaur", "Lee", "Clarke", "Young",
    "Mitchell", "Campbell", "Edwards", "Fale", "Tupou", "Morgan",
]  # fmt: skip

PATIENT_COUNT = 50
# The first patients of the demo, so the desk sees three Grace Clarkes told apart by number and
# date of birth, and names with macrons and apostrophes; the rest are drawn from the lists above.
NAMED_PATIENTS = [
    ("Grace", "Clarke"), ("Grace", "Clarke"), ("Grace", "Clarke"), ("Mereana", "Pōmare"),
    ("Tāmati", "Ngātiwai"), ("Ānahera", "Te Rangi"), ("Siobhán", "O'Brien"), ("Wiremu", "Tūhoe"),
    ("Mateo", "Núñez"), ("Lucía", "Fernández-O'Connor"),
]  # fmt: skip
SPANISH_SPEAKERS = {("Mateo", "Núñez"), ("Lucía", "Fernández-O'Connor")}  # their emails and pages in Spanish
REASONS = [
    "Check-up", "Follow-up", "Toothache", "Cleaning", "Brace adjustment", "Blood test results",
    "Vaccination", "Consultation", "", "",
]  # fmt: skip
# Each practitioner's week: (weekday, first hour, last hour), Monday = 0.
HOURS = {
    "dr.wilson": [(0, 9, 12), (1, 9, 12), (3, 13, 17)],
    "dr.tane": [(1, 13, 17), (2, 9, 12), (4, 9, 12)],
    "dr.okafor": [(0, 13, 16), (2, 13, 16), (3, 9, 12), (4, 13, 16)],
}


# Settings `make run` gives the demo when neither the environment nor .env has them: a clinic's
# own details that no default can know.
DEMO_SETTINGS = {
    "PAYMENT_INSTRUCTIONS": "Pay by bank transfer to Harbourside Clinic, 12-3456-0123456-00, with your invoice "
    "number as the reference, or by card at reception.",
}


def demo_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with DEMO_SETTINGS filled in where it has none (a value set in .env or the shell wins)."""
    return {**DEMO_SETTINGS, **{k: v for k, v in environ.items() if k not in DEMO_SETTINGS or v.strip()}}


def is_seeded() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User)))


@unit_of_work()
def seed(password: str) -> dict[str, int]:
    """Fill an empty database. Deterministic, so every demo looks the same."""
    users = [
        create_user(
            username=username,
            email=f"{username.replace('.', '-')}@clinic.example.org",
            full_name=name,
            role=role,
            password=password,
            specialty=specialty,
            consultation_fee=fee,
        )
        for username, name, role, specialty, fee in STAFF
    ]
    rng = random.Random(2026)
    births = random.Random(1987)  # its own, so the rest of the demo draws what it always drew
    for i in range(PATIENT_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if i < len(NAMED_PATIENTS):
            first, last = NAMED_PATIENTS[i]
        slug = fold(f"{first}.{last}").replace(" ", ".")
        db.session.add(
            Patient(
                first_name=first,
                last_name=last,
                email=f"{slug}{i}@patients.example.org",
                phone=f"+64 21 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
                date_of_birth=date(1940, 1, 1) + timedelta(days=births.randint(0, 365 * 80)),
                language="es" if (first, last) in SPANISH_SPEAKERS else "en",
            )
        )
    db.session.flush()
    for user in users:
        db.session.add(
            Notification(
                user_id=user.id,
                kind="welcome",
                title="Welcome to the clinic dashboard",
                body="What needs you will appear here.",
                link=None,
            )
        )
    _schedules(rng, users)
    _billing(rng, users)
    _stock(users)
    return {"users": len(users), "patients": PATIENT_COUNT}


def _schedules(rng: random.Random, users: list[User]) -> None:
    """Half-hour slots from last week to two weeks ahead; about half booked, the past ones completed."""
    patients = list(db.session.scalars(select(Patient)))
    desk = next(u for u in users if u.role == Role.STAFF)
    now, today = utcnow(), clinic_today()
    monday = today - timedelta(days=today.weekday() + 7)
    for user in users:
        practitioner = db.session.scalar(select(Practitioner).where(Practitioner.user_id == user.id))
        for offset in range(21 if practitioner else 0):
            day = monday + timedelta(days=offset)
            for weekday, first, last in HOURS.get(user.username, []):
                if day.weekday() != weekday:
                    continue
                for half_hour in range((last - first) * 2):
                    at = time(first + half_hour // 2, 30 * (half_hour % 2))
                    starts = local_to_utc(day, at)
                    _demo_slot(rng, practitioner, starts, now, patients, desk)
    # A few people wait for each practitioner (the first urgent), and some would take an earlier time.
    for practitioner in db.session.scalars(select(Practitioner)):
        for position, patient in enumerate(rng.sample(patients, 4), start=1):
            db.session.add(
                WaitlistEntry(
                    practitioner_id=practitioner.id, patient_id=patient.id, urgent=position == 1,
                    preferences=rng.choice(["Mornings", "After 3 pm", "Any time", "Not Fridays"]),
                    position=position, created_at=now - timedelta(days=rng.randint(1, 30)), created_by_id=desk.id,
                )
            )  # fmt: skip
    for appointment in db.session.scalars(
        select(Appointment).where(Appointment.starts_at > now + timedelta(days=7)).limit(3)
    ):
        appointment.wants_earlier = True
    # Slots made here were never offered: mark them offered, or the cron would offer them all at start.
    db.session.execute(update(Slot).values(offered_at=now))
    # One patient has phoned to move their appointment.
    upcoming = db.session.scalar(
        select(Appointment).where(Appointment.starts_at > now + timedelta(days=2)).order_by(Appointment.starts_at)
    )
    if upcoming is not None:
        db.session.add(
            RescheduleRequest(
                appointment_id=upcoming.id, note="Can't make it; any afternoon next week.", created_by_id=desk.id,
                old_starts_at=upcoming.starts_at,
            )
        )  # fmt: skip


def _demo_slot(rng, practitioner, starts, now, patients, desk) -> None:
    booked = rng.random() < (0.8 if starts < now else 0.45)
    slot = Slot(
        practitioner_id=practitioner.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        status=SlotStatus.BOOKED if booked else SlotStatus.OPEN,
        created_by_id=desk.id,
    )
    db.session.add(slot)
    if not booked:
        return
    db.session.flush()
    past = starts < now
    status = AppointmentStatus.CONFIRMED
    if past:
        status = AppointmentStatus.NO_SHOW if rng.random() < 0.08 else AppointmentStatus.COMPLETED
    elif rng.random() < 0.1:
        status = AppointmentStatus.PENDING
    booked_at = min(starts - timedelta(days=rng.randint(2, 20)), now)
    db.session.add(
        Appointment(
            patient_id=rng.choice(patients).id, practitioner_id=practitioner.id, slot_id=slot.id,
            starts_at=starts, ends_at=slot.ends_at, reason=rng.choice(REASONS), status=status,
            scheduled_at=booked_at, created_at=booked_at, created_by_id=desk.id,
            confirmed_at=booked_at if status != AppointmentStatus.PENDING else None,
        )
    )  # fmt: skip


SERVICES = [("Consultation", "85.00"), ("Check-up and clean", "120.00"), ("X-ray", "45.00"), ("Filling", "150.00"),
            ("Blood test", "42.50"), ("Dressing", "7.25")]  # fmt: skip


def _billing(rng: random.Random, users: list[User]) -> None:
    """Invoices for past appointments: most paid, some owing, a few overdue.

    Each is issued on its visit's day and due INVOICE_DUE_DAYS later, never
    before it was issued. The demo's schedule starts only last week, so the
    overdue ones (every fifth) are older bills, from visits before it: issued
    three to six weeks ago and still owing. Numbers follow the issue dates."""
    desk = next(u for u in users if u.role == Role.STAFF)
    today = clinic_today()
    rate = billing.tax_rate()
    terms = timedelta(days=setting("INVOICE_DUE_DAYS"))
    past = db.session.scalars(
        select(Appointment).where(Appointment.status == AppointmentStatus.COMPLETED).order_by(Appointment.starts_at)
    ).all()
    bills = []
    for n, appointment in enumerate(past[:30], start=1):
        overdue = n % 5 == 0
        issued = (
            today - timedelta(days=rng.randint(21, 42))
            if overdue
            else appointment.starts_at.astimezone(clinic_zone()).date()
        )
        bills.append((issued, appointment, overdue))
    bills.sort(key=lambda bill: (bill[0], bill[1].starts_at))
    for n, (issued, appointment, overdue) in enumerate(bills, start=1):
        lines = [rng.choice(SERVICES) for _ in range(rng.randint(1, 2))]
        items = [
            InvoiceItem(description=d, quantity=Decimal("1"), unit_price=Decimal(p), total=Decimal(p)) for d, p in lines
        ]
        subtotal = sum((i.total for i in items), Decimal("0"))
        tax = (subtotal * rate).quantize(Decimal("0.01"))
        total = subtotal + tax
        outcome = rng.random()
        half = (total / 2).quantize(Decimal("0.01"))
        if overdue:
            paid = half if outcome < 0.3 else Decimal("0.00")
        else:
            paid = total if outcome < 0.6 else half if outcome < 0.75 else Decimal("0.00")
        status = InvoiceStatus.PAID if paid == total else InvoiceStatus.PARTIALLY_PAID if paid else InvoiceStatus.UNPAID
        invoice = Invoice(
            number=f"INV-{issued.year}-{n:05d}", patient_id=appointment.patient_id,
            appointment_id=None if overdue else appointment.id, issued_on=issued, due_on=issued + terms,
            status=status, subtotal=subtotal, discount=Decimal("0.00"), tax_rate=rate, tax=tax, total=total,
            amount_paid=paid, created_by_id=desk.id, items=items,
        )  # fmt: skip
        db.session.add(invoice)
        if paid:
            db.session.flush()
            db.session.add(
                Payment(
                    invoice_id=invoice.id, amount=paid, method=rng.choice(["Card", "Cash", "Bank transfer"]),
                    paid_at=local_to_utc(issued, time(17)) if overdue else appointment.ends_at,
                    receipt_number=f"R-{issued.year}-{n:05d}-1", recorded_by_id=desk.id,
                )
            )  # fmt: skip


STOCK = [("Nitrile gloves, medium", "GLV-NIT-M", "boxes", 4, 10, "MedSupply NZ"),
         ("Face masks", "MSK-3PLY", "boxes", 25, 10, "MedSupply NZ"),
         ("Dental anaesthetic cartridges", "ANS-ART-4", "packs", 12, 5, "Dentaid"),
         ("Sterile gauze swabs", "GAU-10", "packs", 60, 20, "MedSupply NZ"),
         ("Composite filling, A2", "CMP-A2", "syringes", 3, 4, "Dentaid"),
         ("Disposable bibs", "BIB-500", "rolls", 9, 3, "CleanCo")]  # fmt: skip


def _stock(users: list[User]) -> None:
    keeper = next(u for u in users if u.username == "stock")
    keeper.inventory_keeper = True
    for name, sku, unit, quantity, minimum, supplier in STOCK:
        item = Item(name=name, sku=sku, unit=unit, quantity=quantity, minimum_level=minimum, supplier=supplier,
                    low_alerted=quantity <= minimum)  # fmt: skip
        db.session.add(item)
        db.session.flush()
        db.session.add(StockMovement(item_id=item.id, change=quantity, quantity_after=quantity,
                                     reason="Opening stock", by_user_id=keeper.id))  # fmt: skip
