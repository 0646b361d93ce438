WITH `t10` AS (
  SELECT
    `t5`.`day`,
    `t5`.`actor1_country`,
    `t5`.`actor2_country`,
    COUNT(*) AS `events`
  FROM (
    SELECT
      PARSE_DATE('%Y%m%d', CAST(`t1`.`SQLDATE` AS STRING)) AS `day`,
      `t1`.`Actor1CountryCode` AS `actor1_country`,
      `t1`.`Actor2CountryCode` AS `actor2_country`
    FROM `gdelt-bq`.`full`.`events` AS `t1`
  ) AS `t5`
  GROUP BY
    1,
    2,
    3
)
SELECT
  *
FROM (
  SELECT
    `t19`.`period`,
    `t3`.`dimension`,
    COALESCE(`t24`.`events`, 0) AS `events`,
    COALESCE(`t24`.`cooperative`, 0) AS `cooperative`,
    COALESCE(`t24`.`conflictual`, 0) AS `conflictual`,
    COALESCE(`t24`.`goldstein_sum`, 0.0) AS `goldstein_sum`,
    `t24`.`goldstein_mean`,
    COALESCE(`t24`.`mentions`, 0) AS `mentions`,
    `t24`.`avg_tone`,
    COALESCE(`t21`.`volume`, 0) AS `volume`,
    IF(
      COALESCE(`t21`.`volume`, 0) > 0,
      ieee_divide(COALESCE(`t24`.`events`, 0) * 10000.0, COALESCE(`t21`.`volume`, 0)),
      NULL
    ) AS `per_10k`,
    `t19`.`days_covered`
  FROM (
    SELECT
      `t13`.`period`,
      COUNT(DISTINCT `t13`.`day`) AS `days_covered`
    FROM (
      SELECT
        'gdelt-bq.full.events' AS `file_id`,
        `t11`.`day`,
        `t11`.`actor1_country`,
        `t11`.`actor2_country`,
        `t11`.`events`,
        DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
      FROM `t10` AS `t11`
    ) AS `t13`
    GROUP BY
      1
  ) AS `t19`
  LEFT OUTER JOIN (
    SELECT
      `t14`.`period`,
      SUM(`t14`.`events`) AS `volume`
    FROM (
      SELECT
        'gdelt-bq.full.events' AS `file_id`,
        `t11`.`day`,
        `t11`.`actor1_country`,
        `t11`.`actor2_country`,
        `t11`.`events`,
        DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
      FROM `t10` AS `t11`
      WHERE
        `t11`.`actor1_country` IN ('RUS', 'PRK')
        OR `t11`.`actor2_country` IN ('RUS', 'PRK')
    ) AS `t14`
    GROUP BY
      1
  ) AS `t21`
    ON `t19`.`period` = `t21`.`period`
  CROSS JOIN UNNEST(@memtable_0) AS `t3`
  LEFT OUTER JOIN (
    SELECT
      `t22`.`period`,
      `t22`.`dimension`,
      COUNT(*) AS `events`,
      SUM(CAST(`t22`.`quad_class` IN (1, 2) AS INT64)) AS `cooperative`,
      SUM(CAST(`t22`.`quad_class` IN (3, 4) AS INT64)) AS `conflictual`,
      SUM(`t22`.`goldstein`) AS `goldstein_sum`,
      AVG(`t22`.`goldstein`) AS `goldstein_mean`,
      SUM(`t22`.`num_mentions`) AS `mentions`,
      AVG(`t22`.`avg_tone`) AS `avg_tone`
    FROM (
      SELECT
        `t18`.`event_id`,
        `t18`.`day`,
        `t18`.`actor1_country`,
        `t18`.`actor2_country`,
        `t18`.`event_code`,
        `t18`.`quad_class`,
        `t18`.`goldstein`,
        `t18`.`num_mentions`,
        `t18`.`avg_tone`,
        `t18`.`source_url`,
        `t18`.`dimension`,
        DATE_TRUNC(`t18`.`day`, YEAR) AS `period`
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
            'energy' AS `dimension`
          FROM `gdelt-bq`.`full`.`events` AS `t1`
          WHERE
            (
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
            AND REGEXP_CONTAINS(
              `t1`.`SOURCEURL`,
              '(?i)^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*[/?#](?:.*(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2}))?(?:oil|gas|lng|lpg|fuel|diesel|gasoline|petrol|petroleum|kerosene|coal|hydrocarbon|oilfield|gasfield|pipeline|refinery|refineries|tanker|energy|electricity|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+plant|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+station|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+grid|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+supply|hydropower|hydroelectric|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+power|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+plant|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+reactor|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+of(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+siberia|opec|rosneft|gazprom|lukoil|novatek|transneft|rosatom|cnpc|sinopec|ongc)s?(?:(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})|$)'
            )
        ) AS `t6`
        UNION DISTINCT
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
            FROM `gdelt-bq`.`full`.`events` AS `t1`
            WHERE
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
          ) AS `t7`
          UNION DISTINCT
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t9`.`event_id`,
                `t9`.`day`,
                `t9`.`actor1_country`,
                `t9`.`actor2_country`,
                `t9`.`event_code`,
                `t9`.`quad_class`,
                `t9`.`goldstein`,
                `t9`.`num_mentions`,
                `t9`.`avg_tone`,
                `t9`.`source_url`,
                `t4`.`dimension`
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
                  `t1`.`SOURCEURL` AS `source_url`
                FROM `gdelt-bq`.`full`.`events` AS `t1`
                WHERE
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
              ) AS `t9`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t9`.`event_code` = `t4`.`event_code`
            ) AS `t12`
          ) AS `t15`
        ) AS `t16`
      ) AS `t18`
      WHERE
        `t18`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t22`
    GROUP BY
      1,
      2
  ) AS `t24`
    ON `t19`.`period` = `t24`.`period` AND `t3`.`dimension` = `t24`.`dimension`
) AS `t25`
ORDER BY
  `t25`.`period` ASC NULLS LAST,
  `t25`.`dimension` ASC NULLS LAST
