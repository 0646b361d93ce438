WITH `t2` AS (
  SELECT
    `t1`.`day`,
    `t1`.`actor1_country`,
    `t1`.`actor2_country`,
    COUNT(*) AS `events`
  FROM (
    SELECT
      PARSE_DATE('%Y%m%d', CAST(`t0`.`SQLDATE` AS STRING)) AS `day`,
      `t0`.`Actor1CountryCode` AS `actor1_country`,
      `t0`.`Actor2CountryCode` AS `actor2_country`
    FROM `gdelt-bq`.`gdeltv2`.`events` AS `t0`
  ) AS `t1`
  GROUP BY
    1,
    2,
    3
)
SELECT
  `t7`.`period`,
  `t7`.`days_covered`,
  COALESCE(`t9`.`volume`, 0) AS `volume`
FROM (
  SELECT
    `t4`.`period`,
    COUNT(DISTINCT `t4`.`day`) AS `days_covered`
  FROM (
    SELECT
      'gdelt-bq.gdeltv2.events' AS `file_id`,
      `t3`.`day`,
      `t3`.`actor1_country`,
      `t3`.`actor2_country`,
      `t3`.`events`,
      DATE_TRUNC(`t3`.`day`, MONTH) AS `period`
    FROM `t2` AS `t3`
  ) AS `t4`
  GROUP BY
    1
) AS `t7`
LEFT OUTER JOIN (
  SELECT
    `t5`.`period`,
    SUM(`t5`.`events`) AS `volume`
  FROM (
    SELECT
      'gdelt-bq.gdeltv2.events' AS `file_id`,
      `t3`.`day`,
      `t3`.`actor1_country`,
      `t3`.`actor2_country`,
      `t3`.`events`,
      DATE_TRUNC(`t3`.`day`, MONTH) AS `period`
    FROM `t2` AS `t3`
    WHERE
      `t3`.`actor1_country` IN ('RUS', 'PRK')
      OR `t3`.`actor2_country` IN ('RUS', 'PRK')
  ) AS `t5`
  GROUP BY
    1
) AS `t9`
  ON `t7`.`period` = `t9`.`period`
