"""The background service (`monitor run`, `monitor status`): the jobs on their cron schedule, one active
instance per database (the others wait as hot standbys), every job run recorded in `runs` and logged."""
