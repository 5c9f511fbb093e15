"""Entry point: ``python run.py`` serves the app at http://127.0.0.1:5000.

Without ``REDIS_URL`` (the embedded default of ``make run``) there is no RQ worker, so the periodic jobs of
``jobs/schedule.py`` (reminders, e-mail digests, expiries, the reconciler) run in a thread of this process
(``jobs/scheduler.py``; ``IN_PROCESS_SCHEDULER=0`` turns it off).
"""

import os

from app import create_app

app = create_app()

if __name__ == "__main__":
    from jobs.scheduler import start_in_process_scheduler

    start_in_process_scheduler(app)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), debug=False)
