"""The store's schema, as an ordered list of migrations.

A store records the version it has reached in `meta`; opening it applies the migrations it
lacks, each in its own transaction. Add a migration to change the schema; never edit one.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "files, events, rejects and daily counts",
        [
            """CREATE TABLE files (
                file_id VARCHAR PRIMARY KEY,   -- xxh3-128 of the (decompressed) content
                source VARCHAR NOT NULL,       -- 'gdelt', ...
                name VARCHAR NOT NULL,         -- path or URL as given
                size_bytes BIGINT,             -- bytes of the file as given (zip or plain)
                content_bytes BIGINT,          -- bytes after decompression
                layout VARCHAR,                -- e.g. gdelt2, gdelt1-daily
                gdelt_version TINYINT,
                extract_of VARCHAR,            -- set when the file is a filtered extract
                rows_read BIGINT,
                rows_kept BIGINT,
                rows_rejected BIGINT,
                rows_duplicate BIGINT,         -- events already in the store from another file
                status VARCHAR NOT NULL,       -- loaded | failed
                error VARCHAR,
                started_at TIMESTAMP,
                finished_at TIMESTAMP
            )""",
            """CREATE TABLE events (
                event_id BIGINT NOT NULL,      -- GDELT's GLOBALEVENTID
                day DATE NOT NULL,             -- SQLDATE: the day the event took place
                actor1_code VARCHAR, actor1_name VARCHAR, actor1_country VARCHAR,
                actor1_type1 VARCHAR, actor1_type2 VARCHAR, actor1_type3 VARCHAR,
                actor2_code VARCHAR, actor2_name VARCHAR, actor2_country VARCHAR,
                actor2_type1 VARCHAR, actor2_type2 VARCHAR, actor2_type3 VARCHAR,
                is_root_event TINYINT,
                event_code VARCHAR, event_base_code VARCHAR, event_root_code VARCHAR,
                quad_class TINYINT,
                goldstein DOUBLE,
                num_mentions INTEGER, num_sources INTEGER, num_articles INTEGER,
                avg_tone DOUBLE,
                action_geo_type TINYINT, action_geo_country VARCHAR,
                action_geo_lat DOUBLE, action_geo_long DOUBLE,
                date_added BIGINT,             -- YYYYMMDD (1.0) or YYYYMMDDHHMMSS (2.0)
                source_url VARCHAR,            -- absent from the GDELT 1.0 backfile
                gdelt_version TINYINT NOT NULL,
                file_id VARCHAR NOT NULL
            )""",
            """CREATE TABLE rejects (
                file_id VARCHAR NOT NULL,
                line BIGINT,                   -- 1-based line in the (decompressed) file
                reason VARCHAR NOT NULL,
                raw VARCHAR
            )""",
            # Counted from every valid row of every file, before the country filter:
            # the denominator that normalises event counts by media volume.
            """CREATE TABLE daily_counts (
                file_id VARCHAR NOT NULL,
                day DATE NOT NULL,
                actor1_country VARCHAR,
                actor2_country VARCHAR,
                events BIGINT NOT NULL
            )""",
            """CREATE VIEW daily_totals AS
                SELECT day, country, sum(events)::BIGINT AS events FROM (
                    SELECT day, actor1_country AS country, events FROM daily_counts
                    WHERE actor1_country IS NOT NULL
                    UNION ALL
                    SELECT day, actor2_country AS country, events FROM daily_counts
                    WHERE actor2_country IS NOT NULL
                      AND actor2_country IS DISTINCT FROM actor1_country
                ) GROUP BY day, country""",
            """CREATE VIEW daily_event_totals AS
                SELECT day, sum(events)::BIGINT AS events FROM daily_counts GROUP BY day""",
        ],
    ),
]

MIGRATIONS.append((
    2,
    "watched countries per file; every counted GLOBALEVENTID, so no event is counted twice",
    [
        "ALTER TABLE files ADD COLUMN countries VARCHAR",  # comma-separated watched set
        # Every GLOBALEVENTID counted into daily_counts. A file that repeats events already
        # loaded (a 1.0 file over 2.0 days, an edited copy) adds only the new ones.
        "CREATE TABLE counted_ids (event_id BIGINT NOT NULL)",
        # Stores from version 1 only know the ids of the events they kept.
        "INSERT INTO counted_ids SELECT DISTINCT event_id FROM events",
    ],
))

MIGRATIONS.append((
    3,
    "curated reference events, kept apart from GDELT",
    [
        """CREATE TABLE reference_events (
            event_key VARCHAR PRIMARY KEY,   -- xxh3 of date, precision, actors, type, text
            date DATE NOT NULL,              -- first day of the period the date names
            date_precision VARCHAR NOT NULL, -- day | month | year
            actor1 VARCHAR NOT NULL,
            actor2 VARCHAR,
            dimension VARCHAR NOT NULL,
            event_type VARCHAR NOT NULL,
            description VARCHAR NOT NULL,
            source_urls VARCHAR[] NOT NULL,
            confidence VARCHAR NOT NULL,     -- high | medium | low
            file_id VARCHAR NOT NULL
        )""",
    ],
))

MIGRATIONS.append((
    4,
    "UN General Assembly votes, trade flows, reference figures and sanctions designations",
    [
        # Roll calls, keyed by the rcid both the unvotes and the Voeten data use. Each
        # layout's facts are kept as given, one row per (rcid, layout): the unvotes roll
        # calls and issue tags come in separate files, in any order, and the analysis merges
        # them per rcid (see docs/alignment.md).
        """CREATE TABLE un_roll_calls (
            rcid INTEGER NOT NULL,
            layout VARCHAR NOT NULL,       -- unvotes-roll-calls | unvotes-issues | voeten
            session INTEGER,
            date DATE,
            important BOOLEAN,
            resolution VARCHAR,            -- e.g. R/73/1
            amendment BOOLEAN,             -- unvotes: a vote on an amendment
            paragraph BOOLEAN,             -- unvotes: a vote on a paragraph
            short VARCHAR,
            description VARCHAR,
            issues VARCHAR[],              -- me, nu, di, hr, co, ec; NULL: this layout has none
            file_id VARCHAR NOT NULL,
            PRIMARY KEY (rcid, layout)
        )""",
        # Votes may arrive before (or without) their roll call; they join at analysis time.
        """CREATE TABLE un_votes (
            rcid INTEGER NOT NULL,
            country VARCHAR NOT NULL,      -- ISO3 (USSR votes are Russia's)
            vote VARCHAR NOT NULL,         -- yes | no | abstain (absences are not votes)
            file_id VARCHAR NOT NULL,
            PRIMARY KEY (rcid, country)
        )""",
        """CREATE TABLE trade_flows (
            flow_key VARCHAR PRIMARY KEY,  -- xxh3 of reporter, partner, year, flow, hs code
            reporter VARCHAR NOT NULL,     -- ISO3 of the country that reported
            partner VARCHAR NOT NULL,      -- ISO3
            year INTEGER NOT NULL,
            flow VARCHAR NOT NULL,         -- import | export | re-import | re-export
            hs_code VARCHAR NOT NULL,      -- 'TOTAL' or 2, 4 or 6 digits
            category VARCHAR NOT NULL,     -- see data/trade_categories.csv; 'total' for TOTAL
            value_usd DOUBLE NOT NULL,     -- Comtrade's primary value: imports CIF, exports FOB
            layout VARCHAR NOT NULL,       -- comtrade-csv | comtrade-json | ...
            file_id VARCHAR NOT NULL
        )""",
        """CREATE TABLE reference_trade (
            row_key VARCHAR PRIMARY KEY,
            year INTEGER NOT NULL,
            reporter VARCHAR NOT NULL,     -- who published the figure (Russian customs, KOTRA, ITC)
            flow VARCHAR NOT NULL,         -- total | dprk_imports_from_rus | ... | target
            value_usd DOUBLE NOT NULL,
            is_estimate BOOLEAN NOT NULL,
            note VARCHAR,
            flags VARCHAR[] NOT NULL,      -- from the note: target, partial_year, inferred, ...
            source_urls VARCHAR[] NOT NULL,
            confidence VARCHAR NOT NULL,
            file_id VARCHAR NOT NULL
        )""",
        """CREATE TABLE reference_fuel (
            row_key VARCHAR PRIMARY KEY,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            supplier VARCHAR NOT NULL,
            barrels DOUBLE,                -- NULL: the source gives no volume
            basis VARCHAR NOT NULL,        -- reported_to_un | government_estimate | ...
            note VARCHAR,
            flags VARCHAR[] NOT NULL,      -- from the note: lower_bound, overlaps, gap, ...
            source_urls VARCHAR[] NOT NULL,
            confidence VARCHAR NOT NULL,
            file_id VARCHAR NOT NULL
        )""",
        """CREATE TABLE reference_caps (
            row_key VARCHAR PRIMARY KEY,
            instrument VARCHAR NOT NULL,
            adopted DATE NOT NULL,
            commodity VARCHAR NOT NULL,
            cap_value DOUBLE NOT NULL,
            cap_unit VARCHAR NOT NULL,
            source_urls VARCHAR[] NOT NULL,
            file_id VARCHAR NOT NULL
        )""",
        # One row per version of an entry: a list snapshot or a delta adds versions, never
        # rewrites them; the current state is the latest version (docs/sanctions.md).
        """CREATE TABLE sanctions (
            entry_key VARCHAR PRIMARY KEY, -- xxh3 of list, list id, publication and content
            list VARCHAR NOT NULL,         -- un_sc | ofac | opensanctions
            list_id VARCHAR NOT NULL,      -- the list's own reference (e.g. KPi.001)
            published_at TIMESTAMP,        -- when the list or delta was published (UTC)
            from_delta BOOLEAN NOT NULL,   -- true: from a delta file, false: a whole list
            removed BOOLEAN NOT NULL,      -- true: a delta's DEL, the entry is delisted
            kind VARCHAR,                  -- person | entity | vessel | aircraft (NULL if removed)
            name VARCHAR,                  -- NULL only on a removed row
            aliases VARCHAR[],
            programmes VARCHAR[],          -- regime or programme, as the list names it
            listed_on DATE,
            nationalities VARCHAR[],       -- ISO3
            address_countries VARCHAR[],   -- ISO3
            remarks VARCHAR,
            file_id VARCHAR NOT NULL
        )""",
    ],
))

MIGRATIONS.append((
    5,
    "documents",
    [
        # Texts for the claims stage (sources/documents.py); one row per distinct text.
        """CREATE TABLE documents (
            doc_id VARCHAR PRIMARY KEY,    -- xxh3-128 of the normalised text
            title VARCHAR,
            url VARCHAR,                   -- where it is published (after redirects)
            published TIMESTAMP,           -- when known (feeds: UTC)
            format VARCHAR NOT NULL,       -- text | markdown | html | feed-item
            text VARCHAR NOT NULL,         -- a paragraph, "- " item or "| a | b |" row a line
            n_chars INTEGER NOT NULL,
            source_name VARCHAR,           -- publisher: site or feed name, else host or file
            feed_url VARCHAR,              -- the feed an item (or its linked page) came from
            file_id VARCHAR NOT NULL,      -- the file or cached download it was read from
            fetched_at TIMESTAMP NOT NULL  -- when it was downloaded (files: when read)
        )""",
    ],
))

MIGRATIONS.append((
    6,
    "UN ideal points and the agreement figures published with them",
    [
        # Voeten's estimates (docs/alignment.md), as published: one row per country, period
        # and estimate. Never mixed with the vote-level agreement computed from un_votes.
        """CREATE TABLE un_ideal_points (
            row_key VARCHAR PRIMARY KEY,   -- xxh3 of layout, country, period kind, period, estimate
            layout VARCHAR NOT NULL,       -- voeten-sessions | voeten-years
            country VARCHAR NOT NULL,      -- ISO3 (from the file's iso3c, else its COW code)
            period_kind VARCHAR NOT NULL,  -- session | year
            period INTEGER NOT NULL,       -- the session number or the calendar year
            period_end DATE NOT NULL,      -- last day the period covers (a session: 31 August
                                           -- of the year after it opened); the figure's date
            estimate VARCHAR NOT NULL,     -- all (every vote) | final_passage | legacy
            n_votes INTEGER,               -- votes the estimate rests on
            ideal_point DOUBLE,
            q0 DOUBLE, q5 DOUBLE, q10 DOUBLE, q50 DOUBLE,  -- posterior quantiles, as published
            q90 DOUBLE, q95 DOUBLE, q100 DOUBLE,
            file_id VARCHAR NOT NULL
        )""",
        # The session file's USAgree, RUSSAgree, ... columns: the share of votes on which a
        # country agreed with that focus country in that session, as Voeten computed it.
        """CREATE TABLE un_published_agreement (
            row_key VARCHAR PRIMARY KEY,   -- xxh3 of layout, country, period kind, period, focus
            layout VARCHAR NOT NULL,
            country VARCHAR NOT NULL,      -- ISO3
            focus VARCHAR NOT NULL,        -- ISO3 of the column's country (RUSSAgree: RUS)
            period_kind VARCHAR NOT NULL,
            period INTEGER NOT NULL,
            period_end DATE NOT NULL,
            agreement DOUBLE NOT NULL,     -- 0..1
            n_votes INTEGER,               -- the country's votes in the period (NVotesAll)
            file_id VARCHAR NOT NULL
        )""",
    ],
))

MIGRATIONS.append((
    7,
    "dated quantitative measures (reference measures.csv)",
    [
        # One row per published figure. Cumulative figures of one measure from different
        # publishers are kept apart, never added (docs/reference.md).
        """CREATE TABLE reference_measures (
            row_key VARCHAR PRIMARY KEY,   -- xxh3 of the row's identifying fields
            as_of DATE NOT NULL,           -- when the figure was published: its date
            period_start DATE,
            period_end DATE,
            from_country VARCHAR NOT NULL, -- ISO3
            to_country VARCHAR NOT NULL,   -- ISO3
            dimension VARCHAR NOT NULL,
            measure VARCHAR NOT NULL,      -- munitions_containers, troops, ...
            value DOUBLE NOT NULL,
            unit VARCHAR NOT NULL,
            basis VARCHAR NOT NULL,        -- cumulative | period | cumulative_lower_bound | ...
            publisher VARCHAR NOT NULL,
            publisher_kind VARCHAR NOT NULL,
            note VARCHAR,
            source_urls VARCHAR[] NOT NULL,
            confidence VARCHAR NOT NULL,   -- high | medium | low
            file_id VARCHAR NOT NULL
        )""",
    ],
))

MIGRATIONS.append((
    8,
    "sanctions: every country an entry names, by where the list names it; monthly counts",
    [
        # NULL: the row was loaded before pivotwatch recorded the field.
        "ALTER TABLE sanctions ADD COLUMN birth_countries VARCHAR[]",  # places of birth
        "ALTER TABLE sanctions ADD COLUMN flag_countries VARCHAR[]",  # a vessel's flag
        "ALTER TABLE sanctions ADD COLUMN remark_countries VARCHAR[]",  # named in remarks
        # Monthly counts of listed parties by address country, as a panel built from OFAC's
        # lists publishes them (docs/sanctions.md): counts, not designations, never mixed
        # with the `sanctions` table.
        """CREATE TABLE sanctions_counts (
            row_key VARCHAR PRIMARY KEY,   -- xxh3 of source, country and period_end
            source VARCHAR NOT NULL,       -- ofac_panel
            country VARCHAR NOT NULL,      -- ISO3 of the listed parties' address country
            period_end DATE NOT NULL,      -- the month's last day: the counts as of then
            listed INTEGER NOT NULL,       -- parties listed with an address there (levels)
            added INTEGER NOT NULL,        -- added during the month
            removed INTEGER NOT NULL,      -- removed during the month
            file_id VARCHAR NOT NULL
        )""",
    ],
))

MIGRATIONS.append((
    9,
    "derived daily aggregates: dyad sums per day and dimension, media volume per day",
    [
        # Derived tables (docs/scale.md): written with each GDELT file, in its transaction,
        # and rebuilt from the base tables by `pivotwatch optimize` (store/derived.py). A row
        # holds one file's partial sums until `optimize` compacts them; readers sum.
        # Events between two different, known countries, per day and dimension.
        """CREATE TABLE dyad_daily (
            day DATE NOT NULL,
            actor1_country VARCHAR NOT NULL,
            actor2_country VARCHAR NOT NULL,
            dimension VARCHAR NOT NULL,
            events BIGINT NOT NULL,
            cooperative BIGINT NOT NULL,   -- QuadClass 1 or 2
            conflictual BIGINT NOT NULL,   -- QuadClass 3 or 4
            goldstein_sum DOUBLE,          -- NULL: no event of the group had a Goldstein score
            goldstein_n BIGINT NOT NULL,   -- events with a Goldstein score
            mentions BIGINT,
            tone_sum DOUBLE,
            tone_n BIGINT NOT NULL
        )""",
        # The media-volume denominators, from daily_counts: events involving a country per day
        # (each row once, even with the country on both sides) ...
        """CREATE TABLE country_daily (
            day DATE NOT NULL,
            country VARCHAR NOT NULL,
            events BIGINT NOT NULL
        )""",
        # ... events between two countries (country1 < country2, either direction), for the
        # pairs with a country the file watched: volume(a or b) = T(a) + T(b) - P(a, b) ...
        """CREATE TABLE pair_daily (
            day DATE NOT NULL,
            country1 VARCHAR NOT NULL,
            country2 VARCHAR NOT NULL,
            events BIGINT NOT NULL
        )""",
        # ... and every counted event per day (which days the store covers).
        """CREATE TABLE total_daily (
            day DATE NOT NULL,
            events BIGINT NOT NULL
        )""",
    ],
))

MIGRATIONS.append((
    10,
    "watch: cycles, alerts and their delivery, what each source held, facts already seen",
    [
        # One row per watch cycle (watch/cycle.py); `status` running | done | failed |
        # interrupted (a later watcher found it running with its process gone).
        """CREATE TABLE watch_cycles (
            cycle_id BIGINT PRIMARY KEY,
            started_at TIMESTAMP NOT NULL,
            finished_at TIMESTAMP,
            status VARCHAR NOT NULL,
            pid INTEGER,
            report VARCHAR                 -- JSON: per source what was fetched, loaded, failed
        )""",
        # An alert is kept once, by its id (a hash of rule, dyad and the fact that raised it).
        """CREATE TABLE watch_alerts (
            alert_id VARCHAR PRIMARY KEY,
            rule VARCHAR NOT NULL,
            dyad VARCHAR NOT NULL,
            fact VARCHAR NOT NULL,         -- the key of the fact that raised it
            severity VARCHAR NOT NULL,     -- large | moderate | info
            title VARCHAR NOT NULL,
            as_of DATE,
            raised_at TIMESTAMP NOT NULL,
            cycle_id BIGINT NOT NULL,
            body VARCHAR NOT NULL          -- the alert as JSON (watch/model.py)
        )""",
        # Where each alert is to go and whether it got there; a row is written with the alert,
        # so an alert raised before a kill is still delivered after it.
        """CREATE TABLE watch_deliveries (
            alert_id VARCHAR NOT NULL,
            channel VARCHAR NOT NULL,      -- feed:PATH | webhook:URL | mail:ADDRESS
            attempts INTEGER NOT NULL,
            delivered_at TIMESTAMP,
            error VARCHAR,
            PRIMARY KEY (alert_id, channel)
        )""",
        # What each watched source held when last checked: HTTP validators, a content hash,
        # and for GDELT the newest export taken.
        """CREATE TABLE watch_sources (
            source VARCHAR PRIMARY KEY,    -- gdelt | sanctions:NAME | feed:URL
            url VARCHAR,
            etag VARCHAR,
            last_modified VARCHAR,
            content_hash VARCHAR,
            position VARCHAR,              -- gdelt: the stamp of the newest export taken
            checked_at TIMESTAMP,
            changed_at TIMESTAMP,
            error VARCHAR
        )""",
        # GDELT exports that failed (a 503, a wrong checksum): tried again next cycle.
        """CREATE TABLE watch_retries (
            url VARCHAR PRIMARY KEY,
            size_bytes BIGINT,
            md5 VARCHAR,
            attempts INTEGER NOT NULL,
            error VARCHAR
        )""",
        # Facts a rule has already taken into account (the baseline when watching began,
        # and every fact alerted on since), so a fact raises one alert at most.
        """CREATE TABLE watch_seen (
            dyad VARCHAR NOT NULL,
            rule VARCHAR NOT NULL,
            fact VARCHAR NOT NULL,
            PRIMARY KEY (dyad, rule, fact)
        )""",
        # The last assessment of each watched dyad, to compare the next one with.
        """CREATE TABLE watch_assessments (
            dyad VARCHAR PRIMARY KEY,
            as_of DATE,
            cycle_id BIGINT NOT NULL,
            body VARCHAR NOT NULL          -- JSON: dimension -> level, direction, confidence
        )""",
    ],
))

LATEST = MIGRATIONS[-1][0]
DERIVED_SINCE = 9  # the first version with derived tables
