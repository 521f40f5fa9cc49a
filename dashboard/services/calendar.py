"""The clinic's day: one column per practitioner, every slot and appointment placed by its time.

Three statements whatever the tables hold: the practitioners (`practitioners_for`), the
day's slots of those practitioners (ix_slots_practitioner_starts), and the day's
appointments of those practitioners with their patients joined; both read as plain rows
(a day is hundreds of them: ORM objects cost more than the SQL). Appointments are matched to
their slots here; one whose slot is not this day's gets a place of its own.

The day runs from the clinic's midnight to the next (`local_to_utc`), so a day across a
clock change is 23 or 25 hours; positions are wall-clock minutes since the grid's first
hour, in ROW_MINUTES steps (CSS grid rows: static/css/calendar.css). A practitioner's week
(services/calendar_week.py) is the same grid with a column per day.
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
    """A practitioner's day: a column of the clinic's day, or one of the seven of their week."""

    practitioner: Practitioner
    day: date
    entries: list[Entry] = field(default_factory=list)

    @property
    def is_today(self) -> bool:
        return self.day == clinic_today()

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)


@dataclass
class Hour:
    label: str
    row: int


@dataclass
class CalendarDay:
    """The grid: the clinic's day (a column per practitioner), or a practitioner's week
    (`days` 7, a column per day, from Monday `day`)."""

    day: date
    starts_at: datetime  # UTC bounds of the clinic's day (or week)
    ends_at: datetime
    first_hour: int
    last_hour: int
    columns: list[Column]
    hours: list[Hour]
    now_row: int | None  # the row of the current time (today only, inside the grid)
    now_column: int | None = None  # in a week: the grid column of today
    days: int = 1

    @property
    def is_week(self) -> bool:
        return self.days > 1

    @property
    def practitioner(self) -> Practitioner | None:
        """The week's practitioner (a day has many)."""
        return self.columns[0].practitioner if self.is_week and self.columns else None

    @property
    def is_today(self) -> bool:
        """The day shown is today, or the week shown holds it."""
        return self.day <= clinic_today() < self.day + timedelta(days=self.days)

    @property
    def previous(self) -> date:
        return self.day - timedelta(days=self.days)

    @property
    def next(self) -> date:
        return self.day + timedelta(days=self.days)

    @property
    def last_day(self) -> date:
        return self.day + timedelta(days=self.days - 1)

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
    slots, booked = read_grid([p.id for p in people], start, end)
    columns = {p.id: Column(p, day) for p in people}
    for slot in slots:
        columns[slot[1]].entries.append(Entry(slot[2], slot[3], slot[0], slot[4], None))
    place_bookings(list(columns.values()), booked, lambda a: columns[a.practitioner_id])
    return lay_out(CalendarDay(day, start, end, FIRST_HOUR, LAST_HOUR, list(columns.values()), [], None))


def read_grid(practitioner_ids: list[int], start: datetime, end: datetime) -> tuple[list, list[Booking]]:
    """Two statements: the slots starting in [start, end) of these practitioners, as
    (id, practitioner_id, starts_at, ends_at, status) rows, and the appointments shown."""
    slots = db.session.execute(
        select(Slot.id, Slot.practitioner_id, Slot.starts_at, Slot.ends_at, Slot.status)
        .where(Slot.practitioner_id.in_(practitioner_ids), Slot.starts_at >= start, Slot.starts_at < end)
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
                Appointment.practitioner_id.in_(practitioner_ids),
                Appointment.starts_at >= start,
                Appointment.starts_at < end,
                Appointment.status.in_(SHOWN),
            )
        )
    ]
    return list(slots), booked


def place_bookings(columns: list[Column], appointments: list[Booking], column_of) -> None:
    """Put each appointment in its slot's entry; one whose slot is not in the grid (booked
    into a slot of another day) gets an entry of its own in `column_of(appointment)`."""
    by_slot = {e.slot_id: e for column in columns for e in column.entries}
    for a in appointments:
        entry = by_slot.get(a.slot_id)
        if entry is not None:
            entry.appointment = a
        else:
            column_of(a).entries.append(Entry(a.starts_at, a.ends_at, None, None, a))


def lay_out(grid: CalendarDay) -> CalendarDay:
    """Give every entry its rows, widen the hours to hold them all, and place the current time."""
    zone, now = clinic_zone(), utcnow()
    placed = []
    first, last = grid.first_hour, grid.last_hour
    for column in grid.columns:
        column.entries.sort(key=lambda e: e.starts_at)
        for e in column.entries:
            local_start, local_end = e.starts_at.astimezone(zone), e.ends_at.astimezone(zone)
            placed.append((column.day, e, local_start, local_end))
            first = min(first, local_start.hour)
            last = max(last, 24 if local_end.date() > column.day else local_end.hour + (1 if local_end.minute else 0))
    for day, e, local_start, local_end in placed:
        e.row = _row(local_start, first, day)
        e.span = max(1, _row(local_end, first, day) - e.row)
        e.past = e.starts_at <= now
        e.when = f"{clinic_hour(local_start.time())}–{clinic_hour(local_end.time())}"
    today, local_now = clinic_today(), now.astimezone(zone)
    for index, column in enumerate(grid.columns):
        if column.day == today and first <= local_now.hour < last:
            grid.now_row = _row(local_now, first, today)
            grid.now_column = index + 2 if grid.is_week else None
            break
    grid.first_hour, grid.last_hour = first, last
    grid.hours = [
        Hour(clinic_hour(time(h)), HEADER_ROWS + 1 + (h - first) * 60 // ROW_MINUTES) for h in range(first, last)
    ]
    return grid


def _row(local: datetime, first_hour: int, day: date) -> int:
    """The grid row of a wall-clock moment (the next day's midnight is the end of the grid)."""
    minutes = (24 * 60) if local.date() > day else local.hour * 60 + local.minute
    return HEADER_ROWS + 1 + (minutes - first_hour * 60) // ROW_MINUTES
