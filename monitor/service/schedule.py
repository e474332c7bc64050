"""The configured cron expressions as APScheduler triggers, with the meaning cron gives them.

APScheduler 3 counts weekdays from Monday = 0 and requires both day fields to match; cron counts from
Sunday = 0 (7 is Sunday too) and, when both the day of the month and the day of the week are
restricted, fires on either. `cron_trigger` translates: the day of the week becomes day names, and two
restricted day fields become two triggers of which the earlier fires.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from monitor.config import ScheduleConfig

JOB_NAMES = ("crawl", "deadlines", "send", "recheck")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day(text: str) -> int:
    if text in _DAYS:
        return _DAYS.index(text)
    if text.isdigit() and int(text) <= 7:
        return int(text)
    raise ValueError(f"不是星期几：{text}")


def weekdays(field: str) -> str:
    """A cron day-of-week field (0 or 7 Sunday; lists, ranges, steps, names) as APScheduler day names."""
    if field == "*":
        return field
    days: set[int] = set()
    for item in field.lower().split(","):
        span, slash, step_text = item.partition("/")
        step = int(step_text) if step_text.isdigit() else 0
        if slash and step < 1:
            raise ValueError(f"步长无效：{item}")
        first_text, dash, last_text = span.partition("-")
        if span == "*":
            first, last = 0, 6
        else:
            first = _day(first_text)
            last = _day(last_text) if dash else (7 if slash else first)  # cron: "N/S" is N to the end, by S
        if first > last:
            raise ValueError(f"范围无效：{item}")
        days.update(day % 7 for day in range(first, last + 1, step or 1))
    return ",".join(_DAYS[day] for day in sorted(days))


def cron_trigger(expression: str, timezone: str, jitter: int | None = None) -> BaseTrigger:
    """The trigger of a five-field cron expression in `timezone` (ValueError when it is not one)."""
    minute, hour, day, month, day_of_week = expression.split()
    zone = ZoneInfo(timezone)
    both = not day.startswith("*") and not day_of_week.startswith("*")
    if not both:
        return CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=weekdays(day_of_week),
                           timezone=zone, jitter=jitter)
    by_date = CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone)
    by_weekday = CronTrigger(minute=minute, hour=hour, month=month, day_of_week=weekdays(day_of_week), timezone=zone)
    return OrTrigger([by_date, by_weekday], jitter=jitter)


def triggers(schedule: ScheduleConfig, *, jitter: bool = True) -> dict[str, BaseTrigger]:
    """Each job's trigger; crawls start up to `crawl_jitter_s` late (unless `jitter` is false)."""
    crawl_jitter = (schedule.crawl_jitter_s or None) if jitter else None
    return {name: cron_trigger(getattr(schedule, name), schedule.timezone, crawl_jitter if name == "crawl" else None)
            for name in JOB_NAMES}


def next_runs(schedule: ScheduleConfig, now: datetime) -> dict[str, datetime | None]:
    """When each job runs next after `now` (a crawl's jitter not counted), in the schedule's time zone."""
    return {name: trigger.get_next_fire_time(None, now) for name, trigger in triggers(schedule, jitter=False).items()}
