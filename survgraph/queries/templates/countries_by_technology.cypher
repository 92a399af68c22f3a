// @name countries_by_technology
// @title Countries by technology
// @description Countries with a project that uses a technology (the project's `technologies`, its
// @description country by LOCATED_IN). With `source`, only projects that cite that source:
// @description source=source:carnegie-aigs-2019 counts the AIGS Index's own flags (smart_city,
// @description facial_recognition, smart_policing; ai_surveillance for each of its 75 countries).
// @param technology str required check=technology: one of the Technology vocabulary, e.g. facial_recognition
// @param source str default=null check=entity_id kinds=Source: only projects citing this source, e.g. source:carnegie-aigs-2019
// @param as_of str default=null check=date: only claims in force on this day (YYYY-MM-DD); undated claims always count
// @column country_id: the country's id
// @column country: its name
// @column projects: how many matching projects are located there

MATCH (p:Project)-[r:LOCATED_IN]->(c:Country)
WHERE $technology IN p.technologies
  AND {{in_force r}}
  AND ($source = '' OR $source IN p.source_ids)
RETURN c.id AS country_id, c.name AS country, count(DISTINCT p) AS projects
ORDER BY country_id;
