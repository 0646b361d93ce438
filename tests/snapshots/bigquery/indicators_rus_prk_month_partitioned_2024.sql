WITH `t8` AS (
  SELECT
    `t1`.`GLOBALEVENTID` AS `event_id`,
    PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) AS `day`,
    `t1`.`Actor1CountryCode` AS `actor1_country`,
    `t1`.`Actor2CountryCode` AS `actor2_country`,
    `t1`.`EventCode` AS `event_code`,
    CAST(`t1`.`QuadClass` AS INT64) AS `quad_class`,
    `t1`.`GoldsteinScale` AS `goldstein`,
    CAST(`t1`.`NumMentions` AS INT64) AS `num_mentions`,
    `t1`.`AvgTone` AS `avg_tone`,
    `t1`.`SOURCEURL` AS `source_url`
  FROM `gdelt-bq`.`gdeltv2`.`events_partitioned` AS `t1`
  WHERE
    `t1`.`DATEADDED` >= 20240101000000
    AND `t1`.`DATEADDED` < 20250101000000
    AND `t1`.`_PARTITIONTIME` >= TIMESTAMP('2023-12-31T00:00:00+00:00')
    AND `t1`.`_PARTITIONTIME` < TIMESTAMP('2025-01-02T00:00:00+00:00')
    AND (
      (
        (
          `t1`.`Actor1CountryCode` = 'RUS'
        ) AND (
          `t1`.`Actor2CountryCode` = 'PRK'
        )
      )
      OR (
        (
          `t1`.`Actor1CountryCode` = 'PRK'
        ) AND (
          `t1`.`Actor2CountryCode` = 'RUS'
        )
      )
    )
    AND PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) >= DATE(2024, 1, 1)
    AND PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) <= DATE(2024, 12, 31)
), `t9` AS (
  SELECT
    `t6`.`day`,
    `t6`.`actor1_country`,
    `t6`.`actor2_country`,
    COUNT(*) AS `events`
  FROM (
    SELECT
      PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) AS `day`,
      `t1`.`Actor1CountryCode` AS `actor1_country`,
      `t1`.`Actor2CountryCode` AS `actor2_country`
    FROM `gdelt-bq`.`gdeltv2`.`events_partitioned` AS `t1`
    WHERE
      `t1`.`DATEADDED` >= 20240101000000
      AND `t1`.`DATEADDED` < 20250101000000
      AND `t1`.`_PARTITIONTIME` >= TIMESTAMP('2023-12-31T00:00:00+00:00')
      AND `t1`.`_PARTITIONTIME` < TIMESTAMP('2025-01-02T00:00:00+00:00')
  ) AS `t6`
  GROUP BY
    1,
    2,
    3
)
SELECT
  *
FROM (
  SELECT
    `t20`.`period`,
    `t3`.`dimension`,
    COALESCE(`t27`.`events`, 0) AS `events`,
    COALESCE(`t27`.`cooperative`, 0) AS `cooperative`,
    COALESCE(`t27`.`conflictual`, 0) AS `conflictual`,
    COALESCE(`t27`.`goldstein_sum`, 0.0) AS `goldstein_sum`,
    `t27`.`goldstein_mean`,
    COALESCE(`t27`.`mentions`, 0) AS `mentions`,
    `t27`.`avg_tone`,
    COALESCE(`t23`.`volume`, 0) AS `volume`,
    IF(
      COALESCE(`t23`.`volume`, 0) > 0,
      ieee_divide(COALESCE(`t27`.`events`, 0) * 10000.0, COALESCE(`t23`.`volume`, 0)),
      NULL
    ) AS `per_10k`,
    `t20`.`days_covered`
  FROM (
    SELECT
      `t13`.`period`,
      COUNT(DISTINCT `t13`.`day`) AS `days_covered`
    FROM (
      SELECT
        'gdelt-bq.gdeltv2.events_partitioned' AS `file_id`,
        `t11`.`day`,
        `t11`.`actor1_country`,
        `t11`.`actor2_country`,
        `t11`.`events`,
        DATE_TRUNC(`t11`.`day`, MONTH) AS `period`
      FROM `t9` AS `t11`
      WHERE
        `t11`.`day` >= DATE(2024, 1, 1) AND `t11`.`day` <= DATE(2024, 12, 31)
    ) AS `t13`
    GROUP BY
      1
  ) AS `t20`
  LEFT OUTER JOIN (
    SELECT
      `t14`.`period`,
      SUM(`t14`.`events`) AS `volume`
    FROM (
      SELECT
        'gdelt-bq.gdeltv2.events_partitioned' AS `file_id`,
        `t11`.`day`,
        `t11`.`actor1_country`,
        `t11`.`actor2_country`,
        `t11`.`events`,
        DATE_TRUNC(`t11`.`day`, MONTH) AS `period`
      FROM `t9` AS `t11`
      WHERE
        `t11`.`day` >= DATE(2024, 1, 1)
        AND `t11`.`day` <= DATE(2024, 12, 31)
        AND (
          `t11`.`actor1_country` IN ('RUS', 'PRK')
          OR `t11`.`actor2_country` IN ('RUS', 'PRK')
        )
    ) AS `t14`
    GROUP BY
      1
  ) AS `t23`
    ON `t20`.`period` = `t23`.`period`
  CROSS JOIN UNNEST(@memtable_0) AS `t3`
  LEFT OUTER JOIN (
    SELECT
      `t25`.`period`,
      `t25`.`dimension`,
      COUNT(*) AS `events`,
      SUM(CAST(`t25`.`quad_class` IN (1, 2) AS INT64)) AS `cooperative`,
      SUM(CAST(`t25`.`quad_class` IN (3, 4) AS INT64)) AS `conflictual`,
      SUM(`t25`.`goldstein`) AS `goldstein_sum`,
      AVG(`t25`.`goldstein`) AS `goldstein_mean`,
      SUM(`t25`.`num_mentions`) AS `mentions`,
      AVG(`t25`.`avg_tone`) AS `avg_tone`
    FROM (
      SELECT
        `t24`.`event_id`,
        `t24`.`day`,
        `t24`.`actor1_country`,
        `t24`.`actor2_country`,
        `t24`.`event_code`,
        `t24`.`quad_class`,
        `t24`.`goldstein`,
        `t24`.`num_mentions`,
        `t24`.`avg_tone`,
        `t24`.`source_url`,
        `t24`.`dimension`,
        DATE_TRUNC(`t24`.`day`, MONTH) AS `period`
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t15`.`event_id`,
            `t15`.`day`,
            `t15`.`actor1_country`,
            `t15`.`actor2_country`,
            `t15`.`event_code`,
            `t15`.`quad_class`,
            `t15`.`goldstein`,
            `t15`.`num_mentions`,
            `t15`.`avg_tone`,
            `t15`.`source_url`,
            'energy' AS `dimension`
          FROM (
            SELECT
              *
            FROM `t8` AS `t10`
            WHERE
              REGEXP_CONTAINS(
                `t10`.`source_url`,
                '(?i)^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*[/?#](?:.*(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2}))?(?:oil|gas|lng|lpg|fuel|diesel|gasoline|petrol|petroleum|kerosene|coal|hydrocarbon|oilfield|gasfield|pipeline|refinery|refineries|tanker|energy|electricity|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+plant|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+station|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+grid|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+supply|hydropower|hydroelectric|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+power|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+plant|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+reactor|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+of(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+siberia|opec|rosneft|gazprom|lukoil|novatek|transneft|rosatom|cnpc|sinopec|ongc)s?(?:(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})|$)'
              )
              AND (
                (
                  `t10`.`event_code` IS NULL
                )
                OR NOT (
                  `t10`.`event_code` IN (
                    SELECT
                      `t2`.`event_code`
                    FROM UNNEST(@memtable_1) AS `t2`
                    WHERE
                      `t2`.`dimension` = 'energy'
                  )
                )
              )
          ) AS `t15`
        ) AS `t18`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            *
          FROM (
            SELECT
              `t1`.`GLOBALEVENTID` AS `event_id`,
              PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) AS `day`,
              `t1`.`Actor1CountryCode` AS `actor1_country`,
              `t1`.`Actor2CountryCode` AS `actor2_country`,
              `t1`.`EventCode` AS `event_code`,
              CAST(`t1`.`QuadClass` AS INT64) AS `quad_class`,
              `t1`.`GoldsteinScale` AS `goldstein`,
              CAST(`t1`.`NumMentions` AS INT64) AS `num_mentions`,
              `t1`.`AvgTone` AS `avg_tone`,
              `t1`.`SOURCEURL` AS `source_url`,
              'all' AS `dimension`
            FROM `gdelt-bq`.`gdeltv2`.`events_partitioned` AS `t1`
            WHERE
              `t1`.`DATEADDED` >= 20240101000000
              AND `t1`.`DATEADDED` < 20250101000000
              AND `t1`.`_PARTITIONTIME` >= TIMESTAMP('2023-12-31T00:00:00+00:00')
              AND `t1`.`_PARTITIONTIME` < TIMESTAMP('2025-01-02T00:00:00+00:00')
              AND (
                (
                  (
                    `t1`.`Actor1CountryCode` = 'RUS'
                  ) AND (
                    `t1`.`Actor2CountryCode` = 'PRK'
                  )
                )
                OR (
                  (
                    `t1`.`Actor1CountryCode` = 'PRK'
                  ) AND (
                    `t1`.`Actor2CountryCode` = 'RUS'
                  )
                )
              )
              AND PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) >= DATE(2024, 1, 1)
              AND PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) <= DATE(2024, 12, 31)
          ) AS `t7`
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t12`.`event_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`event_code`,
                `t12`.`quad_class`,
                `t12`.`goldstein`,
                `t12`.`num_mentions`,
                `t12`.`avg_tone`,
                `t12`.`source_url`,
                `t4`.`dimension`
              FROM `t8` AS `t12`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t12`.`event_code` = `t4`.`event_code`
            ) AS `t16`
          ) AS `t19`
        ) AS `t22`
      ) AS `t24`
      WHERE
        `t24`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t25`
    GROUP BY
      1,
      2
  ) AS `t27`
    ON `t20`.`period` = `t27`.`period` AND `t3`.`dimension` = `t27`.`dimension`
) AS `t28`
ORDER BY
  `t28`.`period` ASC NULLS LAST,
  `t28`.`dimension` ASC NULLS LAST
