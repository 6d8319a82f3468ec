-- A logoff database written by commit c03e0ac (schema: every component at version 1,
-- jobs without not_before), by `git archive c03e0ac` + `logoff try --db` fed
-- logoff-c03e0ac.console.txt, dumped with sqlite3 iterdump.
-- tests/reliability/test_database.py opens a copy with the current code.
BEGIN TRANSACTION;
CREATE TABLE _migrations (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO "_migrations" VALUES('core',1);
INSERT INTO "_migrations" VALUES('settings',1);
INSERT INTO "_migrations" VALUES('jobs',1);
INSERT INTO "_migrations" VALUES('polls',1);
INSERT INTO "_migrations" VALUES('events',1);
INSERT INTO "_migrations" VALUES('offline',1);
CREATE TABLE event_marks (
        object_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (object_id, user, value, source)
    ) WITHOUT ROWID;
INSERT INTO "event_marks" VALUES(1,'console:ann','going','reaction',2,'ann');
INSERT INTO "event_marks" VALUES(1,'console:ben','going','reaction',3,'ben');
INSERT INTO "event_marks" VALUES(1,'console:cat','going','text',5,'cat');
INSERT INTO "event_marks" VALUES(1,'console:cat','maybe','reaction',4,'cat');
INSERT INTO "event_marks" VALUES(1,'console:mod','going','reaction',1,'mod');
CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        title TEXT NOT NULL,
        starts_at REAL NOT NULL,
        location TEXT NOT NULL DEFAULT '',
        details TEXT NOT NULL DEFAULT '',
        capacity INTEGER,
        state TEXT NOT NULL DEFAULT 'active',
        revision INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL
    );
INSERT INTO "events" VALUES(1,'console:local','console','general','console:mod','Board games night',1.79566698988390398023e+09,'Blue Cafe','Bring snacks',2,'active',0,1.79532138988390398029e+09);
INSERT INTO "events" VALUES(2,'console:local','console','general','console:cat','Picnic',1.79618538988390398026e+09,'','',NULL,'active',0,1.79532138988390398029e+09);
CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        key TEXT NOT NULL UNIQUE,
        space TEXT NOT NULL DEFAULT '',
        due_at REAL NOT NULL,
        state TEXT NOT NULL DEFAULT 'pending',
        payload TEXT NOT NULL DEFAULT '{}',
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at REAL NOT NULL DEFAULT 0
    );
INSERT INTO "jobs" VALUES(1,'poll.close','poll:1:close','console:local',1.7955805898839039803e+09,'pending','{"poll_id": 1}',0,1.7955805898839039803e+09);
INSERT INTO "jobs" VALUES(2,'event.reminder','event:1:reminder:86400','console:local',1.7955805898839039803e+09,'pending','{"event_id": 1}',0,1.7955805898839039803e+09);
INSERT INTO "jobs" VALUES(3,'event.reminder','event:1:reminder:3600','console:local',1.79566338988390398027e+09,'pending','{"event_id": 1}',0,1.79566338988390398027e+09);
INSERT INTO "jobs" VALUES(4,'event.reminder','event:2:reminder:86400','console:local',1.79609898988390398024e+09,'pending','{"event_id": 2}',0,1.79609898988390398024e+09);
INSERT INTO "jobs" VALUES(5,'event.reminder','event:2:reminder:3600','console:local',1.7961817898839039803e+09,'pending','{"event_id": 2}',0,1.7961817898839039803e+09);
CREATE TABLE messages (
        key TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        message_id TEXT NOT NULL,
        space_id TEXT NOT NULL DEFAULT '',
        cog TEXT NOT NULL,
        kind TEXT NOT NULL,
        object_id INTEGER NOT NULL,
        live INTEGER NOT NULL DEFAULT 1
    ) WITHOUT ROWID;
INSERT INTO "messages" VALUES('console:m3','console','general','m3','local','polls','poll',1,1);
INSERT INTO "messages" VALUES('console:m5','console','general','m5','local','events','event',1,1);
INSERT INTO "messages" VALUES('console:m7','console','general','m7','local','events','event',2,1);
INSERT INTO "messages" VALUES('console:m8','console','general','m8','local','offline','prompt',1,1);
CREATE TABLE offline_prompts (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        channel TEXT NOT NULL,
        at REAL NOT NULL,
        auto INTEGER NOT NULL,
        sensitivity TEXT NOT NULL DEFAULT '',
        score REAL,
        addressed INTEGER NOT NULL DEFAULT 0,
        dismissed INTEGER NOT NULL DEFAULT 0,
        proposed INTEGER NOT NULL DEFAULT 0
    );
INSERT INTO "offline_prompts" VALUES(1,'console:local','console:general',1.79532138988390398029e+09,0,'',NULL,1,0,0);
CREATE TABLE poll_marks (
        object_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        value TEXT NOT NULL,
        source TEXT NOT NULL,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (object_id, user, value, source)
    ) WITHOUT ROWID;
INSERT INTO "poll_marks" VALUES(1,'console:ann','1','text',1,'ann');
INSERT INTO "poll_marks" VALUES(1,'console:ben','1','reaction',2,'ben');
CREATE TABLE polls (
        id INTEGER PRIMARY KEY,
        space TEXT NOT NULL,
        platform TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        creator TEXT NOT NULL,
        question TEXT NOT NULL,
        options TEXT NOT NULL,
        multi INTEGER NOT NULL DEFAULT 0,
        closes_at REAL,
        closed_at REAL,
        created_at REAL NOT NULL
    );
INSERT INTO "polls" VALUES(1,'console:local','console','general','console:mod','Where shall we meet?','["Riverside Park", "Blue Cafe", "Library"]',0,1.7955805898839039803e+09,NULL,1.79532138988390398029e+09);
CREATE TABLE rsvps (
        event_id INTEGER NOT NULL,
        user TEXT NOT NULL,
        name TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL,
        going_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (event_id, user)
    ) WITHOUT ROWID;
INSERT INTO "rsvps" VALUES(1,'console:ann','ann','going',2);
INSERT INTO "rsvps" VALUES(1,'console:ben','ben','going',3);
INSERT INTO "rsvps" VALUES(1,'console:cat','cat','going',4);
INSERT INTO "rsvps" VALUES(1,'console:mod','mod','going',1);
CREATE TABLE settings (
        space TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (space, key)
    ) WITHOUT ROWID;
INSERT INTO "settings" VALUES('console:local','reminders','1d,1h');
INSERT INTO "settings" VALUES('console:local','timezone','Europe/Berlin');
CREATE INDEX messages_live ON messages(live, platform);
CREATE INDEX messages_object ON messages(cog, kind, object_id);
CREATE INDEX jobs_due ON jobs(state, due_at);
CREATE INDEX polls_space ON polls(space, closed_at);
CREATE INDEX poll_marks_user ON poll_marks(object_id, user, seq);
CREATE INDEX events_upcoming ON events(space, state, starts_at);
CREATE INDEX rsvps_order ON rsvps(event_id, status, going_seq);
CREATE INDEX event_marks_user ON event_marks(object_id, user, seq);
CREATE INDEX offline_prompts_channel ON offline_prompts(channel, at);
CREATE INDEX offline_prompts_space ON offline_prompts(space, at);
COMMIT;
