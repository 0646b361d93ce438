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
), `t10` AS (
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
    FROM `gdelt-bq`.`full`.`events` AS `t1`
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
    `t21`.`period`,
    `t3`.`dimension`,
    COALESCE(`t27`.`events`, 0) AS `events`,
    COALESCE(`t27`.`cooperative`, 0) AS `cooperative`,
    COALESCE(`t27`.`conflictual`, 0) AS `conflictual`,
    COALESCE(`t27`.`goldstein_sum`, 0.0) AS `goldstein_sum`,
    `t27`.`goldstein_mean`,
    COALESCE(`t27`.`mentions`, 0) AS `mentions`,
    `t27`.`avg_tone`,
    COALESCE(`t24`.`volume`, 0) AS `volume`,
    IF(
      COALESCE(`t24`.`volume`, 0) > 0,
      ieee_divide(COALESCE(`t27`.`events`, 0) * 10000.0, COALESCE(`t24`.`volume`, 0)),
      NULL
    ) AS `per_10k`,
    `t21`.`days_covered`
  FROM (
    SELECT
      `t13`.`period`,
      COUNT(DISTINCT `t13`.`day`) AS `days_covered`
    FROM (
      SELECT
        'gdelt-bq.full.events' AS `file_id`,
        `t12`.`day`,
        `t12`.`actor1_country`,
        `t12`.`actor2_country`,
        `t12`.`events`,
        DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
      FROM `t10` AS `t12`
    ) AS `t13`
    GROUP BY
      1
  ) AS `t21`
  LEFT OUTER JOIN (
    SELECT
      `t16`.`period`,
      SUM(`t16`.`events`) AS `volume`
    FROM (
      SELECT
        'gdelt-bq.full.events' AS `file_id`,
        `t12`.`day`,
        `t12`.`actor1_country`,
        `t12`.`actor2_country`,
        `t12`.`events`,
        DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
      FROM `t10` AS `t12`
      WHERE
        `t12`.`actor1_country` IN ('RUS', 'PRK')
        OR `t12`.`actor2_country` IN ('RUS', 'PRK')
    ) AS `t16`
    GROUP BY
      1
  ) AS `t24`
    ON `t21`.`period` = `t24`.`period`
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
        `t23`.`event_id`,
        `t23`.`day`,
        `t23`.`actor1_country`,
        `t23`.`actor2_country`,
        `t23`.`event_code`,
        `t23`.`quad_class`,
        `t23`.`goldstein`,
        `t23`.`num_mentions`,
        `t23`.`avg_tone`,
        `t23`.`source_url`,
        `t23`.`dimension`,
        DATE_TRUNC(`t23`.`day`, YEAR) AS `period`
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t14`.`event_id`,
            `t14`.`day`,
            `t14`.`actor1_country`,
            `t14`.`actor2_country`,
            `t14`.`event_code`,
            `t14`.`quad_class`,
            `t14`.`goldstein`,
            `t14`.`num_mentions`,
            `t14`.`avg_tone`,
            `t14`.`source_url`,
            'energy' AS `dimension`
          FROM (
            SELECT
              *
            FROM `t8` AS `t9`
            WHERE
              REGEXP_CONTAINS(
                `t9`.`source_url`,
                '(?i)^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*[/?#](?:.*(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2}))?(?:oil|gas|lng|lpg|fuel|diesel|gasoline|petrol|petroleum|kerosene|coal|hydrocarbon|oilfield|gasfield|pipeline|refinery|refineries|tanker|energy|electricity|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+plant|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+station|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+grid|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+supply|hydropower|hydroelectric|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+power|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+plant|nuclear(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+reactor|power(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+of(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})+siberia|opec|rosneft|gazprom|lukoil|novatek|transneft|rosatom|cnpc|sinopec|ongc)s?(?:(?:[^0-9A-Za-z]|%[0-9A-Fa-f]{2})|$)'
              )
              AND (
                (
                  `t9`.`event_code` IS NULL
                )
                OR NOT (
                  `t9`.`event_code` IN (
                    SELECT
                      `t2`.`event_code`
                    FROM UNNEST(@memtable_1) AS `t2`
                    WHERE
                      `t2`.`dimension` = 'energy'
                  )
                )
              )
          ) AS `t14`
        ) AS `t17`
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
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t11`.`event_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`event_code`,
                `t11`.`quad_class`,
                `t11`.`goldstein`,
                `t11`.`num_mentions`,
                `t11`.`avg_tone`,
                `t11`.`source_url`,
                `t4`.`dimension`
              FROM `t8` AS `t11`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t11`.`event_code` = `t4`.`event_code`
            ) AS `t15`
          ) AS `t18`
        ) AS `t20`
      ) AS `t23`
      WHERE
        `t23`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t25`
    GROUP BY
      1,
      2
  ) AS `t27`
    ON `t21`.`period` = `t27`.`period` AND `t3`.`dimension` = `t27`.`dimension`
) AS `t28`
ORDER BY
  `t28`.`period` ASC NULLS LAST,
  `t28`.`dimension` ASC NULLS LAST
