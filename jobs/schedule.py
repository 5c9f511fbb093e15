"""Periodic jobs, declared as one table. Later issues add reminders, sync windows and backups."""

__all__ = ["PERIODIC_JOBS"]

#: (job id, dotted path of the function, cron expression in Asia/Ho_Chi_Minh time)
PERIODIC_JOBS: list[tuple[str, str, str]] = []
