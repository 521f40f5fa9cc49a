"""The clinic's day: one column per practitioner, every slot and appointment placed by its time.

Three statements whatever the tables hold: the practitioners (`practitioners_for`), the
day's slots of those practitioners (ix_slots_practitioner_starts), and the day's
appointments of those practitioners with their patients joined; both read as plain rows
(a day is hundreds of them: ORM objects cost more than the SQL). Appointments are matched to
their slots here; one whose slot is not this day's gets a place of its own.

The day runs from the clinic's midnight to the next (`local_to_utc`), so a day across a
clock change is 23 or 25 hours; positions are wall-clock minutes since the grid's first
hour, in ROW_MINUTES steps (CSS grid rows: static/css/calendar.css).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from dashboard.clinic_time import SkippedTime, clinic_hour, clinic_today, clinic_zone, describe, local_to_utc
from dashboard.extensions import db
from dashboard.models import ACTIVE, Appointment, AppointmentStatus, Patient, Practitioner, Slot, SlotStatus, User
from dashboard.models.base import utcnow
from dashboard.services.practitioners import practitioners_for

ROW_MINUTES = 5
FIRST_HOUR, LAST_HOUR = 7, 19  # the grid's usual span, widened to hold anything earlier or later
HEADER_ROWS = 1  # grid row 1 holds the practitioners' names
MAX_COLUMNS = 24  # calendar.css has column classes up to this
SHOWN = (*ACTIVE, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)  # cancelled ones leave the slot open


@dataclass(slots=True)
class Booking:
    """An appointment as the calendar shows it: read as plain rows, not ORM objects (a day is
    hundreds of them)."""

    id: int
    slot_id: int | None
    practitioner_id: int
    starts_at: datetime
    ends_at: datetime
    status: str
    reason: str
    patient_id: int
    first_name: str
    last_name: str
    phone: str | None
    patient_confirmed_at: datetime | None  # the patient said they're coming (from their link)

    @property
    def patient_name(self) -> str:
        return f"{self.first_name} {self.last_name}"  # as Patient.name

    @property
    def patient_confirmed(self) -> bool:
        """Confirmed, and the patient themself said they're coming (not only the desk)."""
        return self.status == AppointmentStatus.CONFIRMED and self.patient_confirmed_at is not None

    @property
    def label(self) -> str:
        return "Confirmed by patient" if self.patient_confirmed else AppointmentStatus(self.status).label

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


@dataclass(slots=True)
class Entry:
    """One box in a column: a slot (open, blocked, booked) and the appointment in it, if any,
    or an appointment whose slot is not this day's."""

    starts_at: datetime
    ends_at: datetime
    slot_id: int | None
    slot_status: str | None
    appointment: Booking | None
    row: int = 0  # the grid row it starts on
    span: int = 1  # how many rows it covers
    past: bool = False
    when: str = ""  # "9:30 am–10:00 am"

    @property
    def status(self) -> str:
        """open, blocked, booked (a booked slot whose appointment is not shown), or the appointment's status."""
        if self.appointment is not None:
            return self.appointment.status
        return self.slot_status or SlotStatus.BOOKED

    @property
    def label(self) -> str:
        return self.appointment.label if self.appointment is not None else self.status.capitalize()

    @property
    def patient_confirmed(self) -> bool:
        return self.appointment is not None and self.appointment.patient_confirmed

    @property
    def described(self) -> str:
        """Its start in a sentence: "Fri 4 Dec at 9:30 am"."""
        return describe(self.starts_at)

    @property
    def bookable(self) -> bool:
        return self.slot_status == SlotStatus.OPEN and not self.past


@dataclass
class Column:
    practitioner: Practitioner
    entries: list[Entry] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)


@dataclass
class Hour:
    label: str
    row: int


@dataclass
class CalendarDay:
    day: date
    starts_at: datetime  # UTC bounds of the clinic's day
    ends_at: datetime
    first_hour: int
    last_hour: int
    columns: list[Column]
    hours: list[Hour]
    now_row: int | None  # the row of the current time (today only, inside the grid)

    @property
    def is_today(self) -> bool:
        return self.day == clinic_today()

    @property
    def previous(self) -> date:
        return self.day - timedelta(days=1)

    @property
    def next(self) -> date:
        return self.day + timedelta(days=1)

    @property
    def hours_long(self) -> float:
        """How long the day is: 24, or 23 / 25 across a clock change."""
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    @property
    def last_row(self) -> int:
        return HEADER_ROWS + (self.last_hour - self.first_hour) * 60 // ROW_MINUTES


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants of the clinic's midnight starting `day` and the next one."""
    return _midnight(day), _midnight(day + timedelta(days=1))


def _midnight(day: date) -> datetime:
    try:
        return local_to_utc(day, time(0))
    except SkippedTime:  # a zone whose clocks skip midnight: the day starts at 1 am
        return local_to_utc(day, time(1))


def day_view(user: User, day: date, practitioner_id: int | None = None) -> CalendarDay:
    """`day` in the clinic for everyone `user` may see (their own column for a practitioner;
    one column when `practitioner_id` names one of theirs)."""
    people = practitioners_for(user)[:MAX_COLUMNS]
    if practitioner_id is not None:
        people = [p for p in people if p.id == practitioner_id] or people
    start, end = day_bounds(day)
    ids = [p.id for p in people]
    slots = db.session.execute(
        select(Slot.id, Slot.practitioner_id, Slot.starts_at, Slot.ends_at, Slot.status)
        .where(Slot.practitioner_id.in_(ids), Slot.starts_at >= start, Slot.starts_at < end)
        .order_by(Slot.starts_at)
    ).all()
    booked = [
        Booking(*tuple(row))  # twelve columns, more than select()'s typed overloads take
        for row in db.session.execute(
            select(
                Appointment.id,
                Appointment.slot_id,
                Appointment.practitioner_id,
                Appointment.starts_at,
                Appointment.ends_at,
                Appointment.status,
                Appointment.reason,
                Patient.id,
                Patient.first_name,
                Patient.last_name,
                Patient.phone,
                Appointment.patient_confirmed_at,
            )
            .join(Patient, Patient.id == Appointment.patient_id)
            .where(
                Appointment.practitioner_id.in_(ids),
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status.in_(SHOWN),
            )
        )
    ]
    return _place(day, start, end, people, slots, booked)


def _place(day: date, start: datetime, end: datetime, people, slots, appointments: list[Booking]) -> CalendarDay:
    by_slot = {a.slot_id: a for a in appointments if a.slot_id is not None}
    columns = {p.id: Column(p) for p in people}
    slot_ids = set()
    for slot_id, practitioner_id, starts_at, ends_at, status in slots:
        slot_ids.add(slot_id)
        columns[practitioner_id].entries.append(Entry(starts_at, ends_at, slot_id, status, by_slot.get(slot_id)))
    for a in appointments:  # booked into a slot of another day (a slot always exists: ad hoc ones too)
        if a.slot_id not in slot_ids:
            columns[a.practitioner_id].entries.append(Entry(a.starts_at, a.ends_at, None, None, a))
    zone, now = clinic_zone(), utcnow()
    placed = []
    first, last = FIRST_HOUR, LAST_HOUR
    for column in columns.values():
        column.entries.sort(key=lambda e: e.starts_at)
        for e in column.entries:
            local_start, local_end = e.starts_at.astimezone(zone), e.ends_at.astimezone(zone)
            placed.append((e, local_start, local_end))
            first = min(first, local_start.hour)
            last = max(last, 24 if local_end.date() > day else local_end.hour + (1 if local_end.minute else 0))
    for e, local_start, local_end in placed:
        e.row = _row(local_start, first, day)
        e.span = max(1, _row(local_end, first, day) - e.row)
        e.past = e.starts_at <= now
        e.when = f"{clinic_hour(local_start.time())}–{clinic_hour(local_end.time())}"
    now_row = None
    if day == clinic_today():
        local_now = now.astimezone(zone)
        if first <= local_now.hour < last:
            now_row = _row(local_now, first, day)
    hours = [Hour(clinic_hour(time(h)), HEADER_ROWS + 1 + (h - first) * 60 // ROW_MINUTES) for h in range(first, last)]
    return CalendarDay(day, start, end, first, last, list(columns.values()), hours, now_row)


def _row(local: datetime, first_hour: int, day: date) -> int:
    """The grid row of a wall-clock moment (the next day's midnight is the end of the grid)."""
    minutes = (24 * 60) if local.date() > day else local.hour * 60 + local.minute
    return HEADER_ROWS + 1 + (minutes - first_hour * 60) // ROW_MINUTES
