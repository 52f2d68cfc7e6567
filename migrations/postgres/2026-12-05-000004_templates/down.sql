DROP TABLE template_versions;
DROP TABLE work_templates;
DROP TABLE template_areas;
