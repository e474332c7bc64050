"""Alerts (SPEC §5): open findings become alerts for the agencies' supervisors (`queue_alerts`, after
every crawl and deadline evaluation), delivered as one digest mail per recipient (`send_alerts`, by
`monitor send` and the service); `outbox` tells `monitor status` how delivery stands."""

from monitor.alerts.outbox import Outbox, Sent, outbox, send_alerts
from monitor.alerts.queue import Queued, queue_alerts

__all__ = ["Outbox", "Queued", "Sent", "outbox", "queue_alerts", "send_alerts"]
