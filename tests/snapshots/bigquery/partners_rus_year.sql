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
    FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
  ) AS `t5`
  GROUP BY
    1,
    2,
    3
), `t58` AS (
  SELECT
    `t57`.`period`,
    `t57`.`partner`,
    `t3`.`dimension`,
    COALESCE(`t51`.`n_events`, 0) AS `events`,
    COALESCE(`t51`.`n_coop`, 0) AS `cooperative`,
    `t57`.`volume`,
    `t57`.`days_covered`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t38`.`period`,
          `t38`.`days_covered`,
          `t38`.`volume`,
          'VNM' AS `partner`
        FROM (
          SELECT
            `t24`.`period`,
            `t24`.`days_covered`,
            COALESCE(`t31`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t24`
          LEFT OUTER JOIN (
            SELECT
              `t14`.`period`,
              SUM(`t14`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
              WHERE
                `t11`.`actor1_country` IN ('RUS', 'VNM')
                OR `t11`.`actor2_country` IN ('RUS', 'VNM')
            ) AS `t14`
            GROUP BY
              1
          ) AS `t31`
            ON `t24`.`period` = `t31`.`period`
        ) AS `t38`
      ) AS `t45`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          `t39`.`period`,
          `t39`.`days_covered`,
          `t39`.`volume`,
          'MNG' AS `partner`
        FROM (
          SELECT
            `t24`.`period`,
            `t24`.`days_covered`,
            COALESCE(`t32`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t24`
          LEFT OUTER JOIN (
            SELECT
              `t15`.`period`,
              SUM(`t15`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
              WHERE
                `t11`.`actor1_country` IN ('RUS', 'MNG')
                OR `t11`.`actor2_country` IN ('RUS', 'MNG')
            ) AS `t15`
            GROUP BY
              1
          ) AS `t32`
            ON `t24`.`period` = `t32`.`period`
        ) AS `t39`
      ) AS `t46`
    ) AS `t52`
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
            `t40`.`period`,
            `t40`.`days_covered`,
            `t40`.`volume`,
            'CHN' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t33`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t16`.`period`,
                SUM(`t16`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'CHN')
                  OR `t11`.`actor2_country` IN ('RUS', 'CHN')
              ) AS `t16`
              GROUP BY
                1
            ) AS `t33`
              ON `t24`.`period` = `t33`.`period`
          ) AS `t40`
        ) AS `t47`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t41`.`period`,
            `t41`.`days_covered`,
            `t41`.`volume`,
            'IND' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t34`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t17`.`period`,
                SUM(`t17`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'IND')
                  OR `t11`.`actor2_country` IN ('RUS', 'IND')
              ) AS `t17`
              GROUP BY
                1
            ) AS `t34`
              ON `t24`.`period` = `t34`.`period`
          ) AS `t41`
        ) AS `t48`
      ) AS `t53`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t42`.`period`,
            `t42`.`days_covered`,
            `t42`.`volume`,
            'PRK' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t35`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t18`.`period`,
                SUM(`t18`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'PRK')
                  OR `t11`.`actor2_country` IN ('RUS', 'PRK')
              ) AS `t18`
              GROUP BY
                1
            ) AS `t35`
              ON `t24`.`period` = `t35`.`period`
          ) AS `t42`
        ) AS `t49`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t43`.`period`,
            `t43`.`days_covered`,
            `t43`.`volume`,
            'IRN' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t36`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t19`.`period`,
                SUM(`t19`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'IRN')
                  OR `t11`.`actor2_country` IN ('RUS', 'IRN')
              ) AS `t19`
              GROUP BY
                1
            ) AS `t36`
              ON `t24`.`period` = `t36`.`period`
          ) AS `t43`
        ) AS `t50`
      ) AS `t54`
    ) AS `t55`
  ) AS `t57`
  CROSS JOIN UNNEST(@memtable_0) AS `t3`
  LEFT OUTER JOIN (
    SELECT
      `t37`.`period`,
      `t37`.`partner`,
      `t37`.`dimension`,
      COUNT(*) AS `n_events`,
      SUM(CAST(`t37`.`quad_class` IN (1, 2) AS INT64)) AS `n_coop`
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
        `t23`.`partner`,
        `t23`.`dimension`,
        DATE_TRUNC(`t23`.`day`, YEAR) AS `period`
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
            'energy' AS `dimension`
          FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
          WHERE
            (
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
                `t9`.`partner`,
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
              ) AS `t9`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t9`.`event_code` = `t4`.`event_code`
            ) AS `t12`
          ) AS `t20`
        ) AS `t21`
      ) AS `t23`
      WHERE
        `t23`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t37`
    GROUP BY
      1,
      2,
      3
  ) AS `t51`
    ON `t57`.`period` = `t51`.`period`
    AND `t57`.`partner` = `t51`.`partner`
    AND `t3`.`dimension` = `t51`.`dimension`
)
SELECT
  `t67`.`period`,
  `t67`.`partner`,
  `t67`.`dimension`,
  `t67`.`events`,
  `t67`.`cooperative`,
  `t67`.`set_events`,
  `t67`.`set_cooperative`,
  IF(
    `t67`.`set_events` > 0,
    ieee_divide(`t67`.`events`, CAST(`t67`.`set_events` AS FLOAT64)),
    CAST(NULL AS FLOAT64)
  ) AS `share`,
  IF(
    `t67`.`set_cooperative` > 0,
    ieee_divide(`t67`.`cooperative`, CAST(`t67`.`set_cooperative` AS FLOAT64)),
    CAST(NULL AS FLOAT64)
  ) AS `coop_share`,
  `t67`.`volume`,
  IF(
    `t67`.`volume` > 0,
    ieee_divide(`t67`.`events` * 10000.0, `t67`.`volume`),
    CAST(NULL AS FLOAT64)
  ) AS `per_10k`,
  IF(`t67`.`set_events` > 0, `t67`.`ahead` + 1, CAST(NULL AS INT64)) AS `rank`,
  `t67`.`days_covered`
FROM (
  SELECT
    `t57`.`period`,
    `t57`.`partner`,
    `t3`.`dimension`,
    COALESCE(`t51`.`n_events`, 0) AS `events`,
    COALESCE(`t51`.`n_coop`, 0) AS `cooperative`,
    `t57`.`volume`,
    `t57`.`days_covered`,
    `t63`.`set_events`,
    `t63`.`set_cooperative`,
    `t66`.`ahead`
  FROM (
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t38`.`period`,
          `t38`.`days_covered`,
          `t38`.`volume`,
          'VNM' AS `partner`
        FROM (
          SELECT
            `t24`.`period`,
            `t24`.`days_covered`,
            COALESCE(`t31`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t24`
          LEFT OUTER JOIN (
            SELECT
              `t14`.`period`,
              SUM(`t14`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
              WHERE
                `t11`.`actor1_country` IN ('RUS', 'VNM')
                OR `t11`.`actor2_country` IN ('RUS', 'VNM')
            ) AS `t14`
            GROUP BY
              1
          ) AS `t31`
            ON `t24`.`period` = `t31`.`period`
        ) AS `t38`
      ) AS `t45`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          `t39`.`period`,
          `t39`.`days_covered`,
          `t39`.`volume`,
          'MNG' AS `partner`
        FROM (
          SELECT
            `t24`.`period`,
            `t24`.`days_covered`,
            COALESCE(`t32`.`volume`, 0) AS `volume`
          FROM (
            SELECT
              `t13`.`period`,
              COUNT(DISTINCT `t13`.`day`) AS `days_covered`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
            ) AS `t13`
            GROUP BY
              1
          ) AS `t24`
          LEFT OUTER JOIN (
            SELECT
              `t15`.`period`,
              SUM(`t15`.`events`) AS `volume`
            FROM (
              SELECT
                'gdelt-bq.gdeltv2.events' AS `file_id`,
                `t11`.`day`,
                `t11`.`actor1_country`,
                `t11`.`actor2_country`,
                `t11`.`events`,
                DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
              FROM `t10` AS `t11`
              WHERE
                `t11`.`actor1_country` IN ('RUS', 'MNG')
                OR `t11`.`actor2_country` IN ('RUS', 'MNG')
            ) AS `t15`
            GROUP BY
              1
          ) AS `t32`
            ON `t24`.`period` = `t32`.`period`
        ) AS `t39`
      ) AS `t46`
    ) AS `t52`
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
            `t40`.`period`,
            `t40`.`days_covered`,
            `t40`.`volume`,
            'CHN' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t33`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t16`.`period`,
                SUM(`t16`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'CHN')
                  OR `t11`.`actor2_country` IN ('RUS', 'CHN')
              ) AS `t16`
              GROUP BY
                1
            ) AS `t33`
              ON `t24`.`period` = `t33`.`period`
          ) AS `t40`
        ) AS `t47`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t41`.`period`,
            `t41`.`days_covered`,
            `t41`.`volume`,
            'IND' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t34`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t17`.`period`,
                SUM(`t17`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'IND')
                  OR `t11`.`actor2_country` IN ('RUS', 'IND')
              ) AS `t17`
              GROUP BY
                1
            ) AS `t34`
              ON `t24`.`period` = `t34`.`period`
          ) AS `t41`
        ) AS `t48`
      ) AS `t53`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          *
        FROM (
          SELECT
            `t42`.`period`,
            `t42`.`days_covered`,
            `t42`.`volume`,
            'PRK' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t35`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t18`.`period`,
                SUM(`t18`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'PRK')
                  OR `t11`.`actor2_country` IN ('RUS', 'PRK')
              ) AS `t18`
              GROUP BY
                1
            ) AS `t35`
              ON `t24`.`period` = `t35`.`period`
          ) AS `t42`
        ) AS `t49`
        UNION ALL
        SELECT
          *
        FROM (
          SELECT
            `t43`.`period`,
            `t43`.`days_covered`,
            `t43`.`volume`,
            'IRN' AS `partner`
          FROM (
            SELECT
              `t24`.`period`,
              `t24`.`days_covered`,
              COALESCE(`t36`.`volume`, 0) AS `volume`
            FROM (
              SELECT
                `t13`.`period`,
                COUNT(DISTINCT `t13`.`day`) AS `days_covered`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
              ) AS `t13`
              GROUP BY
                1
            ) AS `t24`
            LEFT OUTER JOIN (
              SELECT
                `t19`.`period`,
                SUM(`t19`.`events`) AS `volume`
              FROM (
                SELECT
                  'gdelt-bq.gdeltv2.events' AS `file_id`,
                  `t11`.`day`,
                  `t11`.`actor1_country`,
                  `t11`.`actor2_country`,
                  `t11`.`events`,
                  DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                FROM `t10` AS `t11`
                WHERE
                  `t11`.`actor1_country` IN ('RUS', 'IRN')
                  OR `t11`.`actor2_country` IN ('RUS', 'IRN')
              ) AS `t19`
              GROUP BY
                1
            ) AS `t36`
              ON `t24`.`period` = `t36`.`period`
          ) AS `t43`
        ) AS `t50`
      ) AS `t54`
    ) AS `t55`
  ) AS `t57`
  CROSS JOIN UNNEST(@memtable_0) AS `t3`
  LEFT OUTER JOIN (
    SELECT
      `t37`.`period`,
      `t37`.`partner`,
      `t37`.`dimension`,
      COUNT(*) AS `n_events`,
      SUM(CAST(`t37`.`quad_class` IN (1, 2) AS INT64)) AS `n_coop`
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
        `t23`.`partner`,
        `t23`.`dimension`,
        DATE_TRUNC(`t23`.`day`, YEAR) AS `period`
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
            'energy' AS `dimension`
          FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
          WHERE
            (
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
                `t9`.`partner`,
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
              ) AS `t9`
              INNER JOIN UNNEST(@memtable_1) AS `t4`
                ON `t9`.`event_code` = `t4`.`event_code`
            ) AS `t12`
          ) AS `t20`
        ) AS `t21`
      ) AS `t23`
      WHERE
        `t23`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
    ) AS `t37`
    GROUP BY
      1,
      2,
      3
  ) AS `t51`
    ON `t57`.`period` = `t51`.`period`
    AND `t57`.`partner` = `t51`.`partner`
    AND `t3`.`dimension` = `t51`.`dimension`
  INNER JOIN (
    SELECT
      `t59`.`period`,
      `t59`.`dimension`,
      SUM(`t59`.`events`) AS `set_events`,
      SUM(`t59`.`cooperative`) AS `set_cooperative`
    FROM `t58` AS `t59`
    GROUP BY
      1,
      2
  ) AS `t63`
    ON `t57`.`period` = `t63`.`period` AND `t3`.`dimension` = `t63`.`dimension`
  INNER JOIN (
    SELECT
      `t64`.`period`,
      `t64`.`partner`,
      `t64`.`dimension`,
      SUM(CAST(`t64`.`events_o` > `t64`.`events` AS INT64)) AS `ahead`
    FROM (
      SELECT
        `t57`.`period`,
        `t57`.`partner`,
        `t3`.`dimension`,
        COALESCE(`t51`.`n_events`, 0) AS `events`,
        COALESCE(`t51`.`n_coop`, 0) AS `cooperative`,
        `t57`.`volume`,
        `t57`.`days_covered`,
        `t61`.`period_o`,
        `t61`.`dimension_o`,
        `t61`.`events_o`
      FROM (
        SELECT
          *
        FROM (
          SELECT
            *
          FROM (
            SELECT
              `t38`.`period`,
              `t38`.`days_covered`,
              `t38`.`volume`,
              'VNM' AS `partner`
            FROM (
              SELECT
                `t24`.`period`,
                `t24`.`days_covered`,
                COALESCE(`t31`.`volume`, 0) AS `volume`
              FROM (
                SELECT
                  `t13`.`period`,
                  COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t11`.`day`,
                    `t11`.`actor1_country`,
                    `t11`.`actor2_country`,
                    `t11`.`events`,
                    DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t11`
                ) AS `t13`
                GROUP BY
                  1
              ) AS `t24`
              LEFT OUTER JOIN (
                SELECT
                  `t14`.`period`,
                  SUM(`t14`.`events`) AS `volume`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t11`.`day`,
                    `t11`.`actor1_country`,
                    `t11`.`actor2_country`,
                    `t11`.`events`,
                    DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t11`
                  WHERE
                    `t11`.`actor1_country` IN ('RUS', 'VNM')
                    OR `t11`.`actor2_country` IN ('RUS', 'VNM')
                ) AS `t14`
                GROUP BY
                  1
              ) AS `t31`
                ON `t24`.`period` = `t31`.`period`
            ) AS `t38`
          ) AS `t45`
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              `t39`.`period`,
              `t39`.`days_covered`,
              `t39`.`volume`,
              'MNG' AS `partner`
            FROM (
              SELECT
                `t24`.`period`,
                `t24`.`days_covered`,
                COALESCE(`t32`.`volume`, 0) AS `volume`
              FROM (
                SELECT
                  `t13`.`period`,
                  COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t11`.`day`,
                    `t11`.`actor1_country`,
                    `t11`.`actor2_country`,
                    `t11`.`events`,
                    DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t11`
                ) AS `t13`
                GROUP BY
                  1
              ) AS `t24`
              LEFT OUTER JOIN (
                SELECT
                  `t15`.`period`,
                  SUM(`t15`.`events`) AS `volume`
                FROM (
                  SELECT
                    'gdelt-bq.gdeltv2.events' AS `file_id`,
                    `t11`.`day`,
                    `t11`.`actor1_country`,
                    `t11`.`actor2_country`,
                    `t11`.`events`,
                    DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                  FROM `t10` AS `t11`
                  WHERE
                    `t11`.`actor1_country` IN ('RUS', 'MNG')
                    OR `t11`.`actor2_country` IN ('RUS', 'MNG')
                ) AS `t15`
                GROUP BY
                  1
              ) AS `t32`
                ON `t24`.`period` = `t32`.`period`
            ) AS `t39`
          ) AS `t46`
        ) AS `t52`
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
                `t40`.`period`,
                `t40`.`days_covered`,
                `t40`.`volume`,
                'CHN' AS `partner`
              FROM (
                SELECT
                  `t24`.`period`,
                  `t24`.`days_covered`,
                  COALESCE(`t33`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t24`
                LEFT OUTER JOIN (
                  SELECT
                    `t16`.`period`,
                    SUM(`t16`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                    WHERE
                      `t11`.`actor1_country` IN ('RUS', 'CHN')
                      OR `t11`.`actor2_country` IN ('RUS', 'CHN')
                  ) AS `t16`
                  GROUP BY
                    1
                ) AS `t33`
                  ON `t24`.`period` = `t33`.`period`
              ) AS `t40`
            ) AS `t47`
            UNION ALL
            SELECT
              *
            FROM (
              SELECT
                `t41`.`period`,
                `t41`.`days_covered`,
                `t41`.`volume`,
                'IND' AS `partner`
              FROM (
                SELECT
                  `t24`.`period`,
                  `t24`.`days_covered`,
                  COALESCE(`t34`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t24`
                LEFT OUTER JOIN (
                  SELECT
                    `t17`.`period`,
                    SUM(`t17`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                    WHERE
                      `t11`.`actor1_country` IN ('RUS', 'IND')
                      OR `t11`.`actor2_country` IN ('RUS', 'IND')
                  ) AS `t17`
                  GROUP BY
                    1
                ) AS `t34`
                  ON `t24`.`period` = `t34`.`period`
              ) AS `t41`
            ) AS `t48`
          ) AS `t53`
          UNION ALL
          SELECT
            *
          FROM (
            SELECT
              *
            FROM (
              SELECT
                `t42`.`period`,
                `t42`.`days_covered`,
                `t42`.`volume`,
                'PRK' AS `partner`
              FROM (
                SELECT
                  `t24`.`period`,
                  `t24`.`days_covered`,
                  COALESCE(`t35`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t24`
                LEFT OUTER JOIN (
                  SELECT
                    `t18`.`period`,
                    SUM(`t18`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                    WHERE
                      `t11`.`actor1_country` IN ('RUS', 'PRK')
                      OR `t11`.`actor2_country` IN ('RUS', 'PRK')
                  ) AS `t18`
                  GROUP BY
                    1
                ) AS `t35`
                  ON `t24`.`period` = `t35`.`period`
              ) AS `t42`
            ) AS `t49`
            UNION ALL
            SELECT
              *
            FROM (
              SELECT
                `t43`.`period`,
                `t43`.`days_covered`,
                `t43`.`volume`,
                'IRN' AS `partner`
              FROM (
                SELECT
                  `t24`.`period`,
                  `t24`.`days_covered`,
                  COALESCE(`t36`.`volume`, 0) AS `volume`
                FROM (
                  SELECT
                    `t13`.`period`,
                    COUNT(DISTINCT `t13`.`day`) AS `days_covered`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                  ) AS `t13`
                  GROUP BY
                    1
                ) AS `t24`
                LEFT OUTER JOIN (
                  SELECT
                    `t19`.`period`,
                    SUM(`t19`.`events`) AS `volume`
                  FROM (
                    SELECT
                      'gdelt-bq.gdeltv2.events' AS `file_id`,
                      `t11`.`day`,
                      `t11`.`actor1_country`,
                      `t11`.`actor2_country`,
                      `t11`.`events`,
                      DATE_TRUNC(`t11`.`day`, YEAR) AS `period`
                    FROM `t10` AS `t11`
                    WHERE
                      `t11`.`actor1_country` IN ('RUS', 'IRN')
                      OR `t11`.`actor2_country` IN ('RUS', 'IRN')
                  ) AS `t19`
                  GROUP BY
                    1
                ) AS `t36`
                  ON `t24`.`period` = `t36`.`period`
              ) AS `t43`
            ) AS `t50`
          ) AS `t54`
        ) AS `t55`
      ) AS `t57`
      CROSS JOIN UNNEST(@memtable_0) AS `t3`
      LEFT OUTER JOIN (
        SELECT
          `t37`.`period`,
          `t37`.`partner`,
          `t37`.`dimension`,
          COUNT(*) AS `n_events`,
          SUM(CAST(`t37`.`quad_class` IN (1, 2) AS INT64)) AS `n_coop`
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
            `t23`.`partner`,
            `t23`.`dimension`,
            DATE_TRUNC(`t23`.`day`, YEAR) AS `period`
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
                'energy' AS `dimension`
              FROM `gdelt-bq`.`gdeltv2`.`events` AS `t1`
              WHERE
                (
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
                    `t9`.`partner`,
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
                  ) AS `t9`
                  INNER JOIN UNNEST(@memtable_1) AS `t4`
                    ON `t9`.`event_code` = `t4`.`event_code`
                ) AS `t12`
              ) AS `t20`
            ) AS `t21`
          ) AS `t23`
          WHERE
            `t23`.`dimension` IN ('all', 'economic', 'energy', 'military', 'political', 'security', 'humanitarian')
        ) AS `t37`
        GROUP BY
          1,
          2,
          3
      ) AS `t51`
        ON `t57`.`period` = `t51`.`period`
        AND `t57`.`partner` = `t51`.`partner`
        AND `t3`.`dimension` = `t51`.`dimension`
      INNER JOIN (
        SELECT
          `t59`.`period` AS `period_o`,
          `t59`.`dimension` AS `dimension_o`,
          `t59`.`events` AS `events_o`
        FROM `t58` AS `t59`
      ) AS `t61`
        ON `t57`.`period` = `t61`.`period_o` AND `t3`.`dimension` = `t61`.`dimension_o`
    ) AS `t64`
    GROUP BY
      1,
      2,
      3
  ) AS `t66`
    ON `t57`.`period` = `t66`.`period`
    AND `t57`.`partner` = `t66`.`partner`
    AND `t3`.`dimension` = `t66`.`dimension`
) AS `t67`
ORDER BY
  `t67`.`period` ASC NULLS LAST,
  `t67`.`dimension` ASC NULLS LAST,
  `t67`.`partner` ASC NULLS LAST
