"""A practitioner's week on the calendar (`/calendar/week`): seven columns, Monday to Sunday.

The same grid as the clinic's day (services/calendar.py) and the same three statements: the
practitioners the user may see, the week's slots and the week's appointments of one of them.
Each entry goes in the column of its clinic-time date, so a week across a clock change keeps
every slot on its wall-clock hour.
"""

from datetime import date, timedelta

from dashboard.clinic_time import clinic_zone
from dashboard.models import User
from dashboard.services.calendar import (
    FIRST_HOUR,
    LAST_HOUR,
    CalendarDay,
    Column,
    Entry,
    day_bounds,
    lay_out,
    place_bookings,
    read_grid,
)
from dashboard.services.practitioners import practitioners_for

DAYS = 7


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_view(user: User, day: date, practitioner_id: int | None = None) -> CalendarDay | None:
    """The week holding `day` for the practitioner `practitioner_id`, or for the first one
    `user` may see (a practitioner: their own); None if there is nobody to show."""
    people = practitioners_for(user)
    person = next((p for p in people if p.id == practitioner_id), people[0] if people else None)
    if person is None:
        return None
    monday = monday_of(day)
    start, end = day_bounds(monday)[0], day_bounds(monday + timedelta(days=DAYS - 1))[1]
    slots, booked = read_grid([person.id], start, end)
    columns = [Column(person, monday + timedelta(days=n)) for n in range(DAYS)]
    zone = clinic_zone()

    def column_at(moment) -> Column:
        return columns[(moment.astimezone(zone).date() - monday).days]

    for slot_id, _, starts_at, ends_at, status in slots:
        column_at(starts_at).entries.append(Entry(starts_at, ends_at, slot_id, status, None))
    place_bookings(columns, booked, lambda a: column_at(a.starts_at))
    return lay_out(CalendarDay(monday, start, end, FIRST_HOUR, LAST_HOUR, columns, [], None, days=DAYS))
