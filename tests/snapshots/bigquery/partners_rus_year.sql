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
    `t1`.`SOURCEURL` AS `source_url`,
    IF(`t1`.`Actor1CountryCode` = 'RUS', `t1`.`Actor2CountryCode`, `t1`.`Actor1CountryCode`) AS `partner`
  FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
  WHERE
    (
      (
        `t1`.`Actor1CountryCode` = 'RUS'
      )
      AND `t1`.`Actor2CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
    )
    OR (
      (
        `t1`.`Actor2CountryCode` = 'RUS'
      )
      AND `t1`.`Actor1CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
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
    FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
  ) AS `t6`
  GROUP BY
    1,
    2,
    3
), `t61` AS (
  SELECT
    `t60`.`period`,
    `t60`.`partner`,
    `t3`.`dimension`,
    COALESCE(`t57`.`n_events`, 0) AS `events`,
    COALESCE(`t57`.`n_coop`, 0) AS `cooperative`,
    `t60`.`volume`,
    `t60`.`days_covered`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t41`.`period`,
          `t41`.`days_covered`,
          `t41`.`volume`,
          'VNM' AS `partner`
        FROM (
          SELECT
            `t26`.`period`,
            `t26`.`days_covered`,
            COALESCE(`t34`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t26`
          LEFT OUTER JOIN (
            SELECT
              `t16`.`period`,
              SUM(`t16`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
              WHERE
                `t12`.`actor1_country` IN ('RUS', 'VNM')
                OR `t12`.`actor2_country` IN ('RUS', 'VNM')
            ) AS `t16`
            GROUP BY
              1
          ) AS `t34`
            ON `t26`.`period` = `t34`.`period`
        ) AS `t41`
      ) AS `t47`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          `t42`.`period`,
          `t42`.`days_covered`,
          `t42`.`volume`,
          'MNG' AS `partner`
        FROM (
          SELECT
            `t26`.`period`,
            `t26`.`days_covered`,
            COALESCE(`t35`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t26`
          LEFT OUTER JOIN (
            SELECT
              `t17`.`period`,
              SUM(`t17`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
              WHERE
                `t12`.`actor1_country` IN ('RUS', 'MNG')
                OR `t12`.`actor2_country` IN ('RUS', 'MNG')
            ) AS `t17`
            GROUP BY
              1
          ) AS `t35`
            ON `t26`.`period` = `t35`.`period`
        ) AS `t42`
      ) AS `t48`
    ) AS `t54`
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t43`.`period`,
            `t43`.`days_covered`,
            `t43`.`volume`,
            'CHN' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t36`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t18`.`period`,
                SUM(`t18`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'CHN')
                  OR `t12`.`actor2_country` IN ('RUS', 'CHN')
              ) AS `t18`
              GROUP BY
                1
            ) AS `t36`
              ON `t26`.`period` = `t36`.`period`
          ) AS `t43`
        ) AS `t49`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t44`.`period`,
            `t44`.`days_covered`,
            `t44`.`volume`,
            'IND' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t37`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t19`.`period`,
                SUM(`t19`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'IND')
                  OR `t12`.`actor2_country` IN ('RUS', 'IND')
              ) AS `t19`
              GROUP BY
                1
            ) AS `t37`
              ON `t26`.`period` = `t37`.`period`
          ) AS `t44`
        ) AS `t50`
      ) AS `t55`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t45`.`period`,
            `t45`.`days_covered`,
            `t45`.`volume`,
            'PRK' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t38`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t20`.`period`,
                SUM(`t20`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'PRK')
                  OR `t12`.`actor2_country` IN ('RUS', 'PRK')
              ) AS `t20`
              GROUP BY
                1
            ) AS `t38`
              ON `t26`.`period` = `t38`.`period`
          ) AS `t45`
        ) AS `t51`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t46`.`period`,
            `t46`.`days_covered`,
            `t46`.`volume`,
            'IRN' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t39`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t21`.`period`,
                SUM(`t21`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'IRN')
                  OR `t12`.`actor2_country` IN ('RUS', 'IRN')
              ) AS `t21`
              GROUP BY
                1
            ) AS `t39`
              ON `t26`.`period` = `t39`.`period`
          ) AS `t46`
        ) AS `t52`
      ) AS `t56`
    ) AS `t58`
  ) AS `t60`
  CROSS JOIN UNNEST(@memtable_0) AS `t3`
  LEFT OUTER JOIN (
    SELECT
      `t40`.`period`,
      `t40`.`partner`,
      `t40`.`dimension`,
      COUNT(*) AS `n_events`,
      SUM(CAST(`t40`.`quad_class` IN (1, 2) AS INT64)) AS `n_coop`
    FROM (
      SELECT
        `t33`.`event_id`,
        `t33`.`day`,
        `t33`.`actor1_country`,
        `t33`.`actor2_country`,
        `t33`.`event_code`,
        `t33`.`quad_class`,
        `t33`.`goldstein`,
        `t33`.`num_mentions`,
        `t33`.`avg_tone`,
        `t33`.`source_url`,
        `t33`.`partner`,
        `t33`.`dimension`,
        DATE_TRUNC(`t33`.`day`, YEAR) AS `period`
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
            `t14`.`partner`,
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
        ) AS `t22`
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
              IF(`t1`.`Actor1CountryCode` = 'RUS', `t1`.`Actor2CountryCode`, `t1`.`Actor1CountryCode`) AS `partner`,
              'all' AS `dimension`
            FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
            WHERE
              (
                (
                  `t1`.`Actor1CountryCode` = 'RUS'
                )
                AND `t1`.`Actor2CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
              )
              OR (
                (
                  `t1`.`Actor2CountryCode` = 'RUS'
                )
                AND `t1`.`Actor1CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
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
                `t11`.`partner`,
                `t4`.`dimension`
              FROM `t8` AS `t11`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t11`.`event_code` = `t4`.`event_code`
            ) AS `t15`
          ) AS `t23`
        ) AS `t25`
      ) AS `t33`
      WHERE
        `t33`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t40`
    GROUP BY
      1,
      2,
      3
  ) AS `t57`
    ON `t60`.`period` = `t57`.`period`
    AND `t60`.`partner` = `t57`.`partner`
    AND `t3`.`dimension` = `t57`.`dimension`
)
SELECT
  `t70`.`period`,
  `t70`.`partner`,
  `t70`.`dimension`,
  `t70`.`events`,
  `t70`.`cooperative`,
  `t70`.`set_events`,
  `t70`.`set_cooperative`,
  IF(
    `t70`.`set_events` > 0,
    ieee_divide(`t70`.`events`, CAST(`t70`.`set_events` AS FLOAT64)),
    CAST(NULL AS FLOAT64)
  ) AS `share`,
  IF(
    `t70`.`set_cooperative` > 0,
    ieee_divide(`t70`.`cooperative`, CAST(`t70`.`set_cooperative` AS FLOAT64)),
    CAST(NULL AS FLOAT64)
  ) AS `coop_share`,
  `t70`.`volume`,
  IF(
    `t70`.`volume` > 0,
    ieee_divide(`t70`.`events` * 10000.0, `t70`.`volume`),
    CAST(NULL AS FLOAT64)
  ) AS `per_10k`,
  IF(`t70`.`set_events` > 0, `t70`.`ahead` + 1, CAST(NULL AS INT64)) AS `rank`,
  `t70`.`days_covered`
FROM (
  SELECT
    `t60`.`period`,
    `t60`.`partner`,
    `t3`.`dimension`,
    COALESCE(`t57`.`n_events`, 0) AS `events`,
    COALESCE(`t57`.`n_coop`, 0) AS `cooperative`,
    `t60`.`volume`,
    `t60`.`days_covered`,
    `t66`.`set_events`,
    `t66`.`set_cooperative`,
    `t69`.`ahead`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t41`.`period`,
          `t41`.`days_covered`,
          `t41`.`volume`,
          'VNM' AS `partner`
        FROM (
          SELECT
            `t26`.`period`,
            `t26`.`days_covered`,
            COALESCE(`t34`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t26`
          LEFT OUTER JOIN (
            SELECT
              `t16`.`period`,
              SUM(`t16`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
              WHERE
                `t12`.`actor1_country` IN ('RUS', 'VNM')
                OR `t12`.`actor2_country` IN ('RUS', 'VNM')
            ) AS `t16`
            GROUP BY
              1
          ) AS `t34`
            ON `t26`.`period` = `t34`.`period`
        ) AS `t41`
      ) AS `t47`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          `t42`.`period`,
          `t42`.`days_covered`,
          `t42`.`volume`,
          'MNG' AS `partner`
        FROM (
          SELECT
            `t26`.`period`,
            `t26`.`days_covered`,
            COALESCE(`t35`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t26`
          LEFT OUTER JOIN (
            SELECT
              `t17`.`period`,
              SUM(`t17`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t12`.`day`,
                `t12`.`actor1_country`,
                `t12`.`actor2_country`,
                `t12`.`events`,
                DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
              FROM `t10` AS `t12`
              WHERE
                `t12`.`actor1_country` IN ('RUS', 'MNG')
                OR `t12`.`actor2_country` IN ('RUS', 'MNG')
            ) AS `t17`
            GROUP BY
              1
          ) AS `t35`
            ON `t26`.`period` = `t35`.`period`
        ) AS `t42`
      ) AS `t48`
    ) AS `t54`
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t43`.`period`,
            `t43`.`days_covered`,
            `t43`.`volume`,
            'CHN' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t36`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t18`.`period`,
                SUM(`t18`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'CHN')
                  OR `t12`.`actor2_country` IN ('RUS', 'CHN')
              ) AS `t18`
              GROUP BY
                1
            ) AS `t36`
              ON `t26`.`period` = `t36`.`period`
          ) AS `t43`
        ) AS `t49`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t44`.`period`,
            `t44`.`days_covered`,
            `t44`.`volume`,
            'IND' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t37`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t19`.`period`,
                SUM(`t19`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'IND')
                  OR `t12`.`actor2_country` IN ('RUS', 'IND')
              ) AS `t19`
              GROUP BY
                1
            ) AS `t37`
              ON `t26`.`period` = `t37`.`period`
          ) AS `t44`
        ) AS `t50`
      ) AS `t55`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t45`.`period`,
            `t45`.`days_covered`,
            `t45`.`volume`,
            'PRK' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t38`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t20`.`period`,
                SUM(`t20`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'PRK')
                  OR `t12`.`actor2_country` IN ('RUS', 'PRK')
              ) AS `t20`
              GROUP BY
                1
            ) AS `t38`
              ON `t26`.`period` = `t38`.`period`
          ) AS `t45`
        ) AS `t51`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t46`.`period`,
            `t46`.`days_covered`,
            `t46`.`volume`,
            'IRN' AS `partner`
          FROM (
            SELECT
              `t26`.`period`,
              `t26`.`days_covered`,
              COALESCE(`t39`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t26`
            LEFT OUTER JOIN (
              SELECT
                `t21`.`period`,
                SUM(`t21`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t12`.`day`,
                  `t12`.`actor1_country`,
                  `t12`.`actor2_country`,
                  `t12`.`events`,
                  DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                FROM `t10` AS `t12`
                WHERE
                  `t12`.`actor1_country` IN ('RUS', 'IRN')
                  OR `t12`.`actor2_country` IN ('RUS', 'IRN')
              ) AS `t21`
              GROUP BY
                1
            ) AS `t39`
              ON `t26`.`period` = `t39`.`period`
          ) AS `t46`
        ) AS `t52`
      ) AS `t56`
    ) AS `t58`
  ) AS `t60`
  CROSS JOIN UNNEST(@memtable_0) AS `t3`
  LEFT OUTER JOIN (
    SELECT
      `t40`.`period`,
      `t40`.`partner`,
      `t40`.`dimension`,
      COUNT(*) AS `n_events`,
      SUM(CAST(`t40`.`quad_class` IN (1, 2) AS INT64)) AS `n_coop`
    FROM (
      SELECT
        `t33`.`event_id`,
        `t33`.`day`,
        `t33`.`actor1_country`,
        `t33`.`actor2_country`,
        `t33`.`event_code`,
        `t33`.`quad_class`,
        `t33`.`goldstein`,
        `t33`.`num_mentions`,
        `t33`.`avg_tone`,
        `t33`.`source_url`,
        `t33`.`partner`,
        `t33`.`dimension`,
        DATE_TRUNC(`t33`.`day`, YEAR) AS `period`
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
            `t14`.`partner`,
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
        ) AS `t22`
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
              IF(`t1`.`Actor1CountryCode` = 'RUS', `t1`.`Actor2CountryCode`, `t1`.`Actor1CountryCode`) AS `partner`,
              'all' AS `dimension`
            FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
            WHERE
              (
                (
                  `t1`.`Actor1CountryCode` = 'RUS'
                )
                AND `t1`.`Actor2CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
              )
              OR (
                (
                  `t1`.`Actor2CountryCode` = 'RUS'
                )
                AND `t1`.`Actor1CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
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
                `t11`.`partner`,
                `t4`.`dimension`
              FROM `t8` AS `t11`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t11`.`event_code` = `t4`.`event_code`
            ) AS `t15`
          ) AS `t23`
        ) AS `t25`
      ) AS `t33`
      WHERE
        `t33`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t40`
    GROUP BY
      1,
      2,
      3
  ) AS `t57`
    ON `t60`.`period` = `t57`.`period`
    AND `t60`.`partner` = `t57`.`partner`
    AND `t3`.`dimension` = `t57`.`dimension`
  INNER JOIN (
    SELECT
      `t62`.`period`,
      `t62`.`dimension`,
      SUM(`t62`.`events`) AS `set_events`,
      SUM(`t62`.`cooperative`) AS `set_cooperative`
    FROM `t61` AS `t62`
    GROUP BY
      1,
      2
  ) AS `t66`
    ON `t60`.`period` = `t66`.`period` AND `t3`.`dimension` = `t66`.`dimension`
  INNER JOIN (
    SELECT
      `t67`.`period`,
      `t67`.`partner`,
      `t67`.`dimension`,
      SUM(CAST(`t67`.`events_o` > `t67`.`events` AS INT64)) AS `ahead`
    FROM (
      SELECT
        `t60`.`period`,
        `t60`.`partner`,
        `t3`.`dimension`,
        COALESCE(`t57`.`n_events`, 0) AS `events`,
        COALESCE(`t57`.`n_coop`, 0) AS `cooperative`,
        `t60`.`volume`,
        `t60`.`days_covered`,
        `t64`.`period_o`,
        `t64`.`dimension_o`,
        `t64`.`events_o`
      FROM (
        SELECT
          *
        FROM (
          SELECT
            *
          FROM (
            SELECT
              `t41`.`period`,
              `t41`.`days_covered`,
              `t41`.`volume`,
              'VNM' AS `partner`
            FROM (
              SELECT
                `t26`.`period`,
                `t26`.`days_covered`,
                COALESCE(`t34`.`volume`, 0) AS `volume`
              FROM (
                SELECT
                  `t13`.`period`,
                  COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t12`.`day`,
                    `t12`.`actor1_country`,
                    `t12`.`actor2_country`,
                    `t12`.`events`,
                    DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t12`
                ) AS `t13`
                GROUP BY
                  1
              ) AS `t26`
              LEFT OUTER JOIN (
                SELECT
                  `t16`.`period`,
                  SUM(`t16`.`events`) AS `volume`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t12`.`day`,
                    `t12`.`actor1_country`,
                    `t12`.`actor2_country`,
                    `t12`.`events`,
                    DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t12`
                  WHERE
                    `t12`.`actor1_country` IN ('RUS', 'VNM')
                    OR `t12`.`actor2_country` IN ('RUS', 'VNM')
                ) AS `t16`
                GROUP BY
                  1
              ) AS `t34`
                ON `t26`.`period` = `t34`.`period`
            ) AS `t41`
          ) AS `t47`
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              `t42`.`period`,
              `t42`.`days_covered`,
              `t42`.`volume`,
              'MNG' AS `partner`
            FROM (
              SELECT
                `t26`.`period`,
                `t26`.`days_covered`,
                COALESCE(`t35`.`volume`, 0) AS `volume`
              FROM (
                SELECT
                  `t13`.`period`,
                  COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t12`.`day`,
                    `t12`.`actor1_country`,
                    `t12`.`actor2_country`,
                    `t12`.`events`,
                    DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t12`
                ) AS `t13`
                GROUP BY
                  1
              ) AS `t26`
              LEFT OUTER JOIN (
                SELECT
                  `t17`.`period`,
                  SUM(`t17`.`events`) AS `volume`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t12`.`day`,
                    `t12`.`actor1_country`,
                    `t12`.`actor2_country`,
                    `t12`.`events`,
                    DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t12`
                  WHERE
                    `t12`.`actor1_country` IN ('RUS', 'MNG')
                    OR `t12`.`actor2_country` IN ('RUS', 'MNG')
                ) AS `t17`
                GROUP BY
                  1
              ) AS `t35`
                ON `t26`.`period` = `t35`.`period`
            ) AS `t42`
          ) AS `t48`
        ) AS `t54`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t43`.`period`,
                `t43`.`days_covered`,
                `t43`.`volume`,
                'CHN' AS `partner`
              FROM (
                SELECT
                  `t26`.`period`,
                  `t26`.`days_covered`,
                  COALESCE(`t36`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t26`
                LEFT OUTER JOIN (
                  SELECT
                    `t18`.`period`,
                    SUM(`t18`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                    WHERE
                      `t12`.`actor1_country` IN ('RUS', 'CHN')
                      OR `t12`.`actor2_country` IN ('RUS', 'CHN')
                  ) AS `t18`
                  GROUP BY
                    1
                ) AS `t36`
                  ON `t26`.`period` = `t36`.`period`
              ) AS `t43`
            ) AS `t49`
            UNION ALL
            SELECT
              *
            FROM (
              SELECT
                `t44`.`period`,
                `t44`.`days_covered`,
                `t44`.`volume`,
                'IND' AS `partner`
              FROM (
                SELECT
                  `t26`.`period`,
                  `t26`.`days_covered`,
                  COALESCE(`t37`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t26`
                LEFT OUTER JOIN (
                  SELECT
                    `t19`.`period`,
                    SUM(`t19`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                    WHERE
                      `t12`.`actor1_country` IN ('RUS', 'IND')
                      OR `t12`.`actor2_country` IN ('RUS', 'IND')
                  ) AS `t19`
                  GROUP BY
                    1
                ) AS `t37`
                  ON `t26`.`period` = `t37`.`period`
              ) AS `t44`
            ) AS `t50`
          ) AS `t55`
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t45`.`period`,
                `t45`.`days_covered`,
                `t45`.`volume`,
                'PRK' AS `partner`
              FROM (
                SELECT
                  `t26`.`period`,
                  `t26`.`days_covered`,
                  COALESCE(`t38`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t26`
                LEFT OUTER JOIN (
                  SELECT
                    `t20`.`period`,
                    SUM(`t20`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                    WHERE
                      `t12`.`actor1_country` IN ('RUS', 'PRK')
                      OR `t12`.`actor2_country` IN ('RUS', 'PRK')
                  ) AS `t20`
                  GROUP BY
                    1
                ) AS `t38`
                  ON `t26`.`period` = `t38`.`period`
              ) AS `t45`
            ) AS `t51`
            UNION ALL
            SELECT
              *
            FROM (
              SELECT
                `t46`.`period`,
                `t46`.`days_covered`,
                `t46`.`volume`,
                'IRN' AS `partner`
              FROM (
                SELECT
                  `t26`.`period`,
                  `t26`.`days_covered`,
                  COALESCE(`t39`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t26`
                LEFT OUTER JOIN (
                  SELECT
                    `t21`.`period`,
                    SUM(`t21`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t12`.`day`,
                      `t12`.`actor1_country`,
                      `t12`.`actor2_country`,
                      `t12`.`events`,
                      DATE_TRUNC(`t12`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t12`
                    WHERE
                      `t12`.`actor1_country` IN ('RUS', 'IRN')
                      OR `t12`.`actor2_country` IN ('RUS', 'IRN')
                  ) AS `t21`
                  GROUP BY
                    1
                ) AS `t39`
                  ON `t26`.`period` = `t39`.`period`
              ) AS `t46`
            ) AS `t52`
          ) AS `t56`
        ) AS `t58`
      ) AS `t60`
      CROSS JOIN UNNEST(@memtable_0) AS `t3`
      LEFT OUTER JOIN (
        SELECT
          `t40`.`period`,
          `t40`.`partner`,
          `t40`.`dimension`,
          COUNT(*) AS `n_events`,
          SUM(CAST(`t40`.`quad_class` IN (1, 2) AS INT64)) AS `n_coop`
        FROM (
          SELECT
            `t33`.`event_id`,
            `t33`.`day`,
            `t33`.`actor1_country`,
            `t33`.`actor2_country`,
            `t33`.`event_code`,
            `t33`.`quad_class`,
            `t33`.`goldstein`,
            `t33`.`num_mentions`,
            `t33`.`avg_tone`,
            `t33`.`source_url`,
            `t33`.`partner`,
            `t33`.`dimension`,
            DATE_TRUNC(`t33`.`day`, YEAR) AS `period`
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
                `t14`.`partner`,
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
            ) AS `t22`
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
                  IF(`t1`.`Actor1CountryCode` = 'RUS', `t1`.`Actor2CountryCode`, `t1`.`Actor1CountryCode`) AS `partner`,
                  'all' AS `dimension`
                FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
                WHERE
                  (
                    (
                      `t1`.`Actor1CountryCode` = 'RUS'
                    )
                    AND `t1`.`Actor2CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
                  )
                  OR (
                    (
                      `t1`.`Actor2CountryCode` = 'RUS'
                    )
                    AND `t1`.`Actor1CountryCode` IN ('CHN', 'IND', 'PRK', 'IRN', 'VNM', 'MNG')
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
                    `t11`.`partner`,
                    `t4`.`dimension`
                  FROM `t8` AS `t11`
                  INNER JOIN UNNEST(@memtable_1) AS `t4`
                    ON `t11`.`event_code` = `t4`.`event_code`
                ) AS `t15`
              ) AS `t23`
            ) AS `t25`
          ) AS `t33`
          WHERE
            `t33`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
        ) AS `t40`
        GROUP BY
          1,
          2,
          3
      ) AS `t57`
        ON `t60`.`period` = `t57`.`period`
        AND `t60`.`partner` = `t57`.`partner`
        AND `t3`.`dimension` = `t57`.`dimension`
      INNER JOIN (
        SELECT
          `t62`.`period` AS `period_o`,
          `t62`.`dimension` AS `dimension_o`,
          `t62`.`events` AS `events_o`
        FROM `t61` AS `t62`
      ) AS `t64`
        ON `t60`.`period` = `t64`.`period_o` AND `t3`.`dimension` = `t64`.`dimension_o`
    ) AS `t67`
    GROUP BY
      1,
      2,
      3
  ) AS `t69`
    ON `t60`.`period` = `t69`.`period`
    AND `t60`.`partner` = `t69`.`partner`
    AND `t3`.`dimension` = `t69`.`dimension`
) AS `t70`
ORDER BY
  `t70`.`period` ASC NULLS LAST,
  `t70`.`dimension` ASC NULLS LAST,
  `t70`.`partner` ASC NULLS LAST
