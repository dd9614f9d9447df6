"""The store's schema as an ordered list of migrations.

Never edit a migration that has shipped: append a new one. Each entry is a
script of statements separated by semicolons, applied in one transaction.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: the foundation tables.
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

    CREATE TABLE students (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        pseudonym TEXT NOT NULL UNIQUE,
        seat INTEGER
    );

    CREATE TABLE devices (
        address TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('pen', 'clicker')),
        student_id TEXT REFERENCES students(id),
        bound_ms INTEGER NOT NULL
    );

    CREATE TABLE assignments (
        id TEXT PRIMARY KEY,
        subject TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        loaded_ms INTEGER NOT NULL,
        active INTEGER NOT NULL DEFAULT 0
    );

    CREATE TABLE strokes (
        id INTEGER PRIMARY KEY,
        pen TEXT NOT NULL,
        page TEXT NOT NULL,
        student_id TEXT,
        assignment_id TEXT,
        question_id TEXT,
        start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL,
        n_dots INTEGER NOT NULL,
        dots BLOB NOT NULL
    );
    CREATE INDEX strokes_by_answer ON strokes (assignment_id, student_id, question_id);

    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        assignment_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        student_id TEXT NOT NULL,
        reading TEXT NOT NULL,
        confidence REAL NOT NULL,
        candidates TEXT NOT NULL,
        correct INTEGER,
        score REAL,
        max_score REAL,
        reason TEXT,
        reason_zh TEXT,
        verdict_code TEXT,
        needs_review INTEGER NOT NULL DEFAULT 0,
        reviewed_by_teacher INTEGER NOT NULL DEFAULT 0,
        started_ms INTEGER NOT NULL,
        finished_ms INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        UNIQUE (assignment_id, question_id, student_id)
    );

    CREATE TABLE votes (
        id INTEGER PRIMARY KEY,
        poll_id TEXT,
        clicker TEXT NOT NULL,
        student_id TEXT,
        answer TEXT NOT NULL,
        seq INTEGER NOT NULL,
        rssi INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        counted INTEGER NOT NULL DEFAULT 1
    );
    CREATE INDEX votes_by_poll ON votes (poll_id, clicker);

    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        msg_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        priority INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        payload TEXT NOT NULL
    );
    CREATE INDEX outbox_by_priority ON outbox (priority, id)
    """,
    # 2: knowledge-point mastery per student and the BKT parameters behind it.
    """
    CREATE TABLE mastery (
        student_id TEXT NOT NULL,
        knowledge_point TEXT NOT NULL,
        p_mastered REAL NOT NULL,
        evidence REAL NOT NULL,
        n_answers INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (student_id, knowledge_point)
    );

    CREATE TABLE bkt_params (
        knowledge_point TEXT PRIMARY KEY,
        prior REAL NOT NULL,
        learn REAL NOT NULL,
        guess REAL NOT NULL,
        slip REAL NOT NULL,
        forget REAL NOT NULL,
        n_answers REAL NOT NULL,
        source TEXT NOT NULL,
        fitted_ms INTEGER NOT NULL
    )
    """,
    # 3: outbox messages the broker refused for good (for example "not
    # authorized"), kept aside for the operator instead of retried in a loop.
    """
    CREATE TABLE outbox_parked (
        id INTEGER PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        msg_id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        priority INTEGER NOT NULL,
        created_ms INTEGER NOT NULL,
        payload TEXT NOT NULL,
        reason TEXT NOT NULL,
        parked_ms INTEGER NOT NULL
    )
    """,
    # 4: the teacher's review decisions, kept as labelled ink for training.
    """
    CREATE TABLE review_labels (
        id INTEGER PRIMARY KEY,
        answer_id INTEGER NOT NULL REFERENCES answers(id),
        assignment_id TEXT NOT NULL,
        question_id TEXT NOT NULL,
        student_id TEXT NOT NULL,
        machine_reading TEXT NOT NULL,
        label TEXT NOT NULL,
        decision TEXT NOT NULL,
        decided_ms INTEGER NOT NULL
    );
    CREATE INDEX review_labels_by_answer ON review_labels (answer_id)
    """,
]
