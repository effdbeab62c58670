"""The service's store: determinations by coverage-assertion-id with their DTR pre-fill answers,
feedback records and JWT ids, in SQLite (embedded default) or PostgreSQL, so replicas agree and restarts
lose nothing. ``protocol.Store`` is the interface; ``sql.SqlStore`` its one implementation over SQLAlchemy
Core (async), whichever backend ``CDS_DATABASE_URL`` names.
"""
