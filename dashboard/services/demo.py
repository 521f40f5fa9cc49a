"""A believable clinic for demos and local development."""

import random
from decimal import Decimal

from sqlalchemy import func, select

from dashboard.extensions import db
from dashboard.models import Notification, Patient, Role, User
from dashboard.services.users import create_user

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


def is_seeded() -> bool:
    return bool(db.session.scalar(select(func.count()).select_from(User)))


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
            commit=False,
        )
        for username, name, role, specialty, fee in STAFF
    ]
    rng = random.Random(2026)
    for i in range(PATIENT_COUNT):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        slug = f"{first}.{last}".lower().replace(" ", "")
        db.session.add(
            Patient(
                first_name=first,
                last_name=last,
                email=f"{slug}{i}@patients.example.org",
                phone=f"+64 21 {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
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
    db.session.commit()
    return {"users": len(users), "patients": PATIENT_COUNT}
