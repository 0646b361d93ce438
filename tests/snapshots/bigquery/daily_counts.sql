SELECT
  'gdelt-bq.gdeltv2.events' AS `file_id`,
  `t2`.`day`,
  `t2`.`actor1_country`,
  `t2`.`actor2_country`,
  `t2`.`events`
FROM (
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
) AS `t2`
