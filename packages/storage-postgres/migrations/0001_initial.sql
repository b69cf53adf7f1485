-- 0001_initial: the tables and functions of the leadcall storage driver (StorageV1).
--
-- The schema placeholder (two braces around the word schema) is replaced by the quoted schema name
-- before this file runs; everything lives in that schema. Times are milliseconds since the epoch (double precision, like JavaScript numbers); JSON
-- is stored as `json`, which keeps the text exactly as written (key order included).

-- The clock of every time-based rule when the driver does not pass its own: the start of the
-- current statement, in ms since the epoch, shared by every process that uses the database.
CREATE FUNCTION {{schema}}.now_ms() RETURNS double precision
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT floor(extract(epoch FROM statement_timestamp()) * 1000)::double precision $$;

-- Keyed documents ---------------------------------------------------------------------------------

-- Versions of documents: one counter for the whole schema, so a version is never reused, not even
-- for a key deleted and written again.
CREATE SEQUENCE {{schema}}.document_versions AS bigint;

CREATE TABLE {{schema}}.documents (
  ns text COLLATE "C" NOT NULL,
  key text COLLATE "C" NOT NULL,
  value json NOT NULL,
  version bigint NOT NULL,
  -- NULL: never expires. A row whose expires_at has passed is invisible to every read and check.
  expires_at double precision,
  PRIMARY KEY (ns, key)
) WITH (fillfactor = 90);

-- For the periodic sweep of expired documents.
CREATE INDEX documents_expires_at ON {{schema}}.documents (expires_at) WHERE expires_at IS NOT NULL;

-- Plans: PostgreSQL caches the plan of every statement inside a PL/pgSQL function and, left to
-- itself, re-plans the statements that take arrays on every call (a custom plan for each array,
-- which costs more than running them). The functions below use generic plans
-- (`plan_cache_mode = force_generic_plan`), each written so that its only sensible plan is an index
-- probe per key whatever the statistics say: a correlated subquery or a lateral subquery per key,
-- never a join that a plan could turn into a scan of the whole namespace (on tables that were never
-- analysed, `ns = $1` looks very selective although a namespace usually holds every row).

-- Reads documents by key (StorageV1.get / getMany), in one statement: the live rows of p_keys, each
-- with its position in p_keys (a key asked twice is returned twice), p_ns[i] being the namespace
-- of p_keys[i] (the driver reads the keys of the reads issued together in one statement).
--
-- A read waits for the commits in progress on its keys (a shared advisory lock per key; `atomic`
-- holds them exclusively until it is committed), then reads the latest committed rows. So a read
-- never returns a version that a commit already under way is replacing: an optimistic writer that
-- lost re-reads the state it must build on, rather than one already outdated, and commits with a
-- check that can hold (without this, optimistic writers contending on a hot key lose far more
-- often). A read of more than 64 keys only waits for bulk commits (the namespace locks), not to
-- exhaust the lock table. The wait lasts as long as the commit's own work: `atomic` releases its
-- locks before its WAL flush unless the commit mode is `synchronous`. Locks are taken in the same
-- order as `atomic` takes them (namespaces, then keys by hash), so that nobody deadlocks.
CREATE FUNCTION {{schema}}.read_documents(
  p_ns text[],
  p_keys text[],
  p_now double precision
) RETURNS TABLE (i bigint, value json, version bigint, expires_at double precision)
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(1818451315, l.h)
  FROM (SELECT DISTINCT hashtext(n) AS h FROM unnest(p_ns) AS n ORDER BY 1) AS l;
  IF cardinality(p_keys) <= 64 THEN
    PERFORM pg_advisory_xact_lock_shared(l.h)
    FROM (
      SELECT DISTINCT hashtextextended(k.key, hashtext(k.ns)) AS h
      FROM unnest(p_ns, p_keys) AS k(ns, key)
      ORDER BY 1
    ) AS l;
  END IF;
  -- A new statement, hence a new snapshot: it sees the commits waited for.
  RETURN QUERY
    SELECT k.i, d.value, d.version, d.expires_at
    FROM unnest(p_ns, p_keys) WITH ORDINALITY AS k(ns, key, i)
    CROSS JOIN LATERAL (
      SELECT d.value, d.version, d.expires_at FROM {{schema}}.documents d
      WHERE d.ns = k.ns AND d.key = k.key
        AND (d.expires_at IS NULL
          OR d.expires_at > coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000)))
      -- Kept apart from the join: a parameterized probe of the primary key per requested key.
      OFFSET 0
    ) AS d;
END
$$;

-- The value of an increment: p_value (the current JSON value) plus p_by (a JSON number), as IEEE
-- doubles like JavaScript. A non-number fails with LCV01, a sum beyond the doubles with LCV02 (the
-- sum overflows exactly when half of it exceeds half of the largest double; halving is exact).
CREATE FUNCTION {{schema}}.increment_value(p_value json, p_by json, p_key text) RETURNS json
LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
  v_base double precision;
  v_by double precision := p_by::text::double precision;
BEGIN
  IF json_typeof(p_value) <> 'number' THEN
    RAISE EXCEPTION 'Cannot increment "%": its value is not a number', p_key
      USING ERRCODE = 'LCV01', DETAIL = p_key;
  END IF;
  v_base := p_value::text::double precision;
  IF abs(v_base * 0.5 + v_by * 0.5) > 8.988465674311579e307 THEN
    RAISE EXCEPTION 'Incrementing "%" overflows', p_key USING ERRCODE = 'LCV02', DETAIL = p_key;
  END IF;
  -- `+ 0` turns a negative zero into zero, as JSON.stringify does.
  RETURN to_json(v_base + v_by + 0);
END
$$;

-- The all-or-nothing commit of StorageV1.atomic, in one statement (hence one round trip).
--
-- Concurrency: every key the operation checks or writes is locked with a transaction-scoped
-- advisory lock, in a fixed order (so two operations never deadlock), before the checks that
-- decide; every statement of this function then sees the latest committed state (READ COMMITTED
-- takes a new snapshot per statement). Operations touching a common key are therefore serialised,
-- which makes `atomic` linearizable. Each operation also holds a shared lock on its namespace; an
-- operation on more than 64 keys takes that namespace lock exclusively instead of one lock per key,
-- so that bulk commits never exhaust the lock table.
--
-- Checks are first evaluated without any lock: versions only ever grow (one sequence), so a check
-- that fails then can never hold again, and the operation fails at once, without waiting for the
-- locks of a commit in progress. Checks that pass are evaluated again under the locks. The keys
-- whose check fails come back in the order of the checks (a key checked twice may come twice).
--
-- Mutations: p_types is one letter per mutation, 's' (set), 'd' (delete) or 'i' (increment), with
-- p_keys[i], the value of a set as element i of the JSON array p_values, the TTL in ms in
-- p_ttls[i] (NULL: none) and the amount of an increment in p_bys[i]. With p_distinct (every key
-- written once), the sets and the increments are each written by one statement; otherwise the
-- mutations are applied one by one, in order. p_now is the clock in ms (NULL: the database clock).
-- With p_synchronous false the commit does not wait for its WAL flush (synchronous_commit = off for
-- this transaction), so its locks are released as soon as it is committed; the driver then waits
-- for a later synchronous commit before answering (commit mode `early-release`), or does not
-- (`asynchronous`).
CREATE FUNCTION {{schema}}.atomic(
  p_ns text,
  p_check_keys text[],
  p_check_versions text[],
  p_types text,
  p_keys text[],
  p_values json,
  p_ttls double precision[],
  p_bys double precision[],
  p_distinct boolean,
  p_now double precision,
  p_synchronous boolean
) RETURNS json
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
  v_now double precision;
  v_conflicts text[];
  v_values json[];
  v_versions jsonb := '{}';
  v_counters jsonb := '{}';
  v_more_versions jsonb;
  v_more_counters jsonb;
  v_key text;
  v_type text;
  v_version bigint;
  v_value json;
  v_expires double precision;
  v_setting text;
  v_bulk boolean;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'leadcall storage needs the READ COMMITTED isolation level, not %',
      current_setting('transaction_isolation')
      USING ERRCODE = 'LCI01';
  END IF;

  -- The checks, twice: before the locks (to fail at once), then under them.
  FOR pass IN 1 .. 2 LOOP
    IF pass = 2 THEN
      v_bulk := cardinality(p_check_keys) + cardinality(p_keys) > 64;
      IF v_bulk THEN
        v_bulk := (SELECT count(DISTINCT k) FROM unnest(p_check_keys || p_keys) AS k) > 64;
      END IF;
      IF v_bulk THEN
        PERFORM pg_advisory_xact_lock(1818451315, hashtext(p_ns));
      ELSE
        PERFORM pg_advisory_xact_lock_shared(1818451315, hashtext(p_ns));
        PERFORM pg_advisory_xact_lock(l.h)
        FROM (
          SELECT DISTINCT hashtextextended(k, hashtext(p_ns)) AS h
          FROM unnest(p_check_keys || p_keys) AS k
          ORDER BY 1
        ) AS l;
      END IF;
    END IF;
    -- The clock, read again once the locks are held.
    v_now := coalesce(p_now, floor(extract(epoch FROM clock_timestamp()) * 1000));
    IF cardinality(p_check_keys) > 0 THEN
      SELECT array_agg(c.key) INTO v_conflicts
      FROM unnest(p_check_keys, p_check_versions) AS c(key, version)
      WHERE (
        SELECT d.version::text FROM {{schema}}.documents d
        WHERE d.ns = p_ns AND d.key = c.key AND (d.expires_at IS NULL OR d.expires_at > v_now)
      ) IS DISTINCT FROM c.version;
      IF v_conflicts IS NOT NULL THEN
        RETURN json_build_object('ok', false, 'conflicts', v_conflicts);
      END IF;
    END IF;
  END LOOP;

  IF NOT p_synchronous THEN
    v_setting := set_config('synchronous_commit', 'off', true);
  END IF;

  IF p_distinct THEN
    IF strpos(p_types, 's') > 0 THEN
      WITH written AS (
        INSERT INTO {{schema}}.documents AS d (ns, key, value, version, expires_at)
        SELECT p_ns, m.key, m.value, nextval('{{schema}}.document_versions'), v_now + m.ttl
        FROM ROWS FROM (unnest(p_keys), unnest(p_ttls), json_array_elements(p_values))
          WITH ORDINALITY AS m(key, ttl, value, i)
        WHERE substr(p_types, m.i::integer, 1) = 's'
        ON CONFLICT (ns, key) DO UPDATE
          SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at
        RETURNING d.key, d.version
      )
      SELECT jsonb_object_agg(w.key, w.version::text) INTO v_more_versions FROM written AS w;
      v_versions := v_versions || v_more_versions;
    END IF;
    IF strpos(p_types, 'i') > 0 THEN
      WITH written AS (
        INSERT INTO {{schema}}.documents AS d (ns, key, value, version, expires_at)
        SELECT p_ns, m.key, to_json(m.by + 0), nextval('{{schema}}.document_versions'), v_now + m.ttl
        FROM unnest(p_keys, p_ttls, p_bys) WITH ORDINALITY AS m(key, ttl, by, i)
        WHERE substr(p_types, m.i::integer, 1) = 'i'
        ON CONFLICT (ns, key) DO UPDATE
          SET value = CASE WHEN d.expires_at IS NULL OR d.expires_at > v_now
                THEN {{schema}}.increment_value(d.value, excluded.value, d.key)
                ELSE excluded.value END,
            version = excluded.version,
            expires_at = CASE WHEN d.expires_at IS NULL OR d.expires_at > v_now
              THEN d.expires_at ELSE excluded.expires_at END
        RETURNING d.key, d.value, d.version
      )
      SELECT jsonb_object_agg(w.key, w.version::text), jsonb_object_agg(w.key, w.value::text::jsonb)
      INTO v_more_versions, v_more_counters
      FROM written AS w;
      v_versions := v_versions || v_more_versions;
      v_counters := v_more_counters;
    END IF;
    IF strpos(p_types, 'd') > 0 THEN
      FOR i IN 1 .. length(p_types) LOOP
        IF substr(p_types, i, 1) = 'd' THEN
          DELETE FROM {{schema}}.documents WHERE ns = p_ns AND key = p_keys[i];
        END IF;
      END LOOP;
    END IF;
    RETURN json_build_object('ok', true, 'versions', v_versions, 'counters', v_counters);
  END IF;

  -- One by one, in order (a key written more than once).
  v_values := ARRAY(SELECT json_array_elements(p_values));
  FOR i IN 1 .. length(p_types) LOOP
    v_key := p_keys[i];
    v_type := substr(p_types, i, 1);
    IF v_type = 'd' THEN
      DELETE FROM {{schema}}.documents WHERE ns = p_ns AND key = v_key;
      v_versions := v_versions - v_key;
      CONTINUE;
    END IF;
    IF v_type = 's' THEN
      v_value := v_values[i];
      v_expires := v_now + p_ttls[i];
    ELSE
      SELECT d.value, d.expires_at INTO v_value, v_expires
      FROM {{schema}}.documents d
      WHERE d.ns = p_ns AND d.key = v_key AND (d.expires_at IS NULL OR d.expires_at > v_now);
      IF FOUND THEN
        v_value := {{schema}}.increment_value(v_value, to_json(p_bys[i]), v_key);
      ELSE
        v_value := to_json(p_bys[i] + 0);
        v_expires := v_now + p_ttls[i];
      END IF;
      v_counters := v_counters || jsonb_build_object(v_key, v_value::text::jsonb);
    END IF;
    INSERT INTO {{schema}}.documents AS d (ns, key, value, version, expires_at)
    VALUES (p_ns, v_key, v_value, nextval('{{schema}}.document_versions'), v_expires)
    ON CONFLICT (ns, key) DO UPDATE
      SET value = excluded.value, version = excluded.version, expires_at = excluded.expires_at
    RETURNING d.version INTO v_version;
    v_versions := v_versions || jsonb_build_object(v_key, v_version::text);
  END LOOP;

  RETURN json_build_object('ok', true, 'versions', v_versions, 'counters', v_counters);
END
$$;

-- Priority queues ---------------------------------------------------------------------------------

CREATE TABLE {{schema}}.queue_items (
  ns text COLLATE "C" NOT NULL,
  queue text COLLATE "C" NOT NULL,
  id text COLLATE "C" NOT NULL,
  priority double precision NOT NULL,
  score double precision NOT NULL,
  -- Enqueue order, the last tie-breaker of the queue order; renewed when the id is enqueued again.
  seq bigserial NOT NULL,
  available_at double precision NOT NULL,
  enqueued_at double precision NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  payload json NOT NULL,
  -- Set by a claim; the item is leased while lease_expires_at is in the future.
  lease_token text,
  lease_expires_at double precision,
  PRIMARY KEY (ns, queue, id)
) WITH (fillfactor = 90);

-- The queue order of the waiting (not leased) items: claims and listings walk it from the front.
-- Partial, so that a lookup by id can only use the primary key (with a full index on
-- (ns, queue, …) a generic plan may prefer walking the queue; the lease checks of ack, release and
-- extendLease compare the token with IS NOT DISTINCT FROM, which implies neither predicate).
CREATE INDEX queue_items_waiting ON {{schema}}.queue_items (ns, queue, priority, score, seq)
  WHERE lease_token IS NULL;
-- The leased items by lease expiry: claims find the expired leases without walking the others.
CREATE INDEX queue_items_leased ON {{schema}}.queue_items (ns, queue, lease_expires_at)
  WHERE lease_token IS NOT NULL;

-- Record streams ----------------------------------------------------------------------------------

CREATE TABLE {{schema}}.records (
  ns text COLLATE "C" NOT NULL,
  stream text COLLATE "C" NOT NULL,
  -- The record's time in ms since the epoch; `to_timestamp(time / 1000.0)` for a timestamptz.
  time bigint NOT NULL,
  -- Append order, the tie-breaker between records of the same time.
  seq bigserial NOT NULL,
  data json NOT NULL,
  -- Serves range queries (both directions) and trimming by age.
  PRIMARY KEY (ns, stream, time, seq)
);
