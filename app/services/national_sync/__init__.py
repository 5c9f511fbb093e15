"""National sync aggregate (issue 18): approved file versions to the national CBCCVC database.

- ``outbox`` — every approved version queued in the transaction that writes it (who sends it, by when, supersede);
- ``batches`` — the use cases: the agencies' monthly batch, Sở Nội vụ's approval (one signature on a manifest where
  the Director signs), returning a batch, resending a rejected record, retrying a failed batch, gathering the
  per-event batches;
- ``manifest`` — the approved batches' manifest (PDF, signed in HCM);
- ``queries`` — the screens' statements.

The sending itself, the per-event tick and the reconciliation are jobs (``jobs/national_sync.py``); the national
side's client and record format are ``app/national``. Modules are imported by name (this package imports nothing,
so ``app.services.personnel.files`` may import the outbox without a cycle).
"""
