-- A replay API database as create_all made it before the server had migrations (commit 5d98101),
-- dumped with sqlite3's iterdump: one project (secret in test_migrations.py), a replay of two batches,
-- an event and a profile.
BEGIN TRANSACTION;
CREATE TABLE changes (
	seq BIGINT NOT NULL, 
	project_id INTEGER NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	"key" VARCHAR(400) NOT NULL, 
	op VARCHAR(8) NOT NULL, 
	payload TEXT, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (seq), 
	CONSTRAINT uq_changes_entity UNIQUE (project_id, kind, "key"), 
	FOREIGN KEY(project_id) REFERENCES projects (id)
);
INSERT INTO "changes" VALUES(2,1,'replay','adopted-replay','upsert','{"id":"adopted-replay","distinct_id":"alice","device_id":"","user_id":"","start_time":1795906413570.0,"end_time":1795906414770.0,"duration_ms":1200.0,"active_ms":1200.0,"event_count":7,"click_count":0,"input_count":0,"error_count":0,"start_url":"http://127.0.0.1/page","lib_version":"","batch_count":2,"last_seq":1,"complete":true,"stored_bytes":343,"created_at":1795906500000,"updated_at":1795906500000}',1795906500000);
INSERT INTO "changes" VALUES(3,1,'event','adopted-event','upsert','{"insert_id":"adopted-event","name":"Buy","time":1795906413570.0,"distinct_id":"alice","user_id":"","replay_id":"adopted-replay","properties":{"token":"0c0ffee0c0ffee0c0ffee0c0ffee0c0f","distinct_id":"alice","$insert_id":"adopted-event","time":1795906413.57,"$mp_replay_id":"adopted-replay"}}',1795906500000);
INSERT INTO "changes" VALUES(4,1,'user','alice','upsert','{"distinct_id":"alice","properties":{"$name":"Alice"},"created_at":1795906500000,"updated_at":1795906500000}',1795906500000);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	project_id INTEGER NOT NULL, 
	insert_id VARCHAR(200) NOT NULL, 
	name VARCHAR(400) NOT NULL, 
	time_ms FLOAT NOT NULL, 
	distinct_id VARCHAR(400) NOT NULL, 
	user_id VARCHAR(400) NOT NULL, 
	replay_id VARCHAR(200) NOT NULL, 
	properties TEXT NOT NULL, 
	received_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_events_project_insert UNIQUE (project_id, insert_id), 
	FOREIGN KEY(project_id) REFERENCES projects (id)
);
INSERT INTO "events" VALUES(1,1,'adopted-event','Buy',1795906413570.0,'alice','','adopted-replay','{"token":"0c0ffee0c0ffee0c0ffee0c0ffee0c0f","distinct_id":"alice","$insert_id":"adopted-event","time":1795906413.57,"$mp_replay_id":"adopted-replay"}',1795906500000);
CREATE TABLE feed_counter (
	id INTEGER NOT NULL, 
	value BIGINT NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "feed_counter" VALUES(1,4);
CREATE TABLE projects (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	token VARCHAR(200) NOT NULL, 
	secret_hash VARCHAR(64) NOT NULL, 
	created_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (token), 
	UNIQUE (secret_hash)
);
INSERT INTO "projects" VALUES(1,'test','0c0ffee0c0ffee0c0ffee0c0ffee0c0f','eb4affe48fc730b3375608bdff192b389cf665883c3b8d1f7bb49976443e348f',1795906500000);
CREATE TABLE replay_batches (
	id INTEGER NOT NULL, 
	replay_pk INTEGER NOT NULL, 
	seq INTEGER NOT NULL, 
	event_count INTEGER NOT NULL, 
	min_ms FLOAT NOT NULL, 
	max_ms FLOAT NOT NULL, 
	events_gz BLOB NOT NULL, 
	received_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_batches_replay_seq UNIQUE (replay_pk, seq), 
	FOREIGN KEY(replay_pk) REFERENCES replays (id) ON DELETE CASCADE
);
INSERT INTO "replay_batches" VALUES(1,1,0,4,1795906413570.0,1795906413870.0,X'1F8B080036190D6B02FFC58E410EC2201045AFD2B03616D44AF5107A80A60B225048DA42648C364DEFEED092C68D893BC366E6CD30EF572381C12B72CE0E9B8C480102CB9198BBD2581003E0CF79CE767C4BF1B1DC8B4611DC7C5A0906374A4AB133CA3606B03D523A610FB6530144E711317E2A4EF47860FB82C7E12ADC7D0A7B27D55CA461BC7A33B695171C0404558DC4CA78301A6C6FC18AF6AA7550B07C743EFD6B958E884E3F47D97F4609EE71BF45CA907A1750E4FA39C2485E090F29FF122869D63074AABFABF9FFD425AAEB3760CF0508F2010000',1795906500000);
INSERT INTO "replay_batches" VALUES(2,1,1,3,1795906414570.0,1795906414770.0,X'1F8B080036190D6B02FF8BAE562AA92C4855B25230D651504A492C490432AB958AF34B8B9241A28640D182FCE2CC92CCFCBC62203FBA5AA9022A5C09A48D8074660A54A0243337D53F2DAD38B5042860501B5B0B152B2E49CC2D00A931B734B53430333134313537004A0E88D5660367B539D0EA58002DE40FE571010000',1795906500000);
CREATE TABLE replays (
	id INTEGER NOT NULL, 
	project_id INTEGER NOT NULL, 
	replay_id VARCHAR(200) NOT NULL, 
	distinct_id VARCHAR(400) NOT NULL, 
	device_id VARCHAR(400) NOT NULL, 
	user_id VARCHAR(400) NOT NULL, 
	start_ms FLOAT NOT NULL, 
	end_ms FLOAT NOT NULL, 
	start_url TEXT NOT NULL, 
	lib_version VARCHAR(40) NOT NULL, 
	event_count INTEGER NOT NULL, 
	click_count INTEGER NOT NULL, 
	input_count INTEGER NOT NULL, 
	error_count INTEGER NOT NULL, 
	batch_count INTEGER NOT NULL, 
	last_seq INTEGER NOT NULL, 
	stored_bytes BIGINT NOT NULL, 
	interaction_runs TEXT NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_replays_project_replay UNIQUE (project_id, replay_id), 
	FOREIGN KEY(project_id) REFERENCES projects (id)
);
INSERT INTO "replays" VALUES(1,1,'adopted-replay','alice','','',1795906413570.0,1795906414770.0,'http://127.0.0.1/page','',7,0,0,0,2,1,343,'[[1795906413770.0, 1795906414770.0]]',1795906500000,1795906500000);
CREATE TABLE users (
	id INTEGER NOT NULL, 
	project_id INTEGER NOT NULL, 
	distinct_id VARCHAR(400) NOT NULL, 
	properties TEXT NOT NULL, 
	created_at BIGINT NOT NULL, 
	updated_at BIGINT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_users_project_distinct UNIQUE (project_id, distinct_id), 
	FOREIGN KEY(project_id) REFERENCES projects (id)
);
INSERT INTO "users" VALUES(1,1,'alice','{"$name":"Alice"}',1795906500000,1795906500000);
CREATE INDEX ix_changes_project_seq ON changes (project_id, seq);
CREATE INDEX ix_replays_project_created ON replays (project_id, created_at);
CREATE INDEX ix_replays_project_distinct ON replays (project_id, distinct_id);
CREATE INDEX ix_events_project_distinct ON events (project_id, distinct_id);
CREATE INDEX ix_events_project_replay ON events (project_id, replay_id);
CREATE INDEX ix_events_project_received ON events (project_id, received_at);
COMMIT;
