-- One database per service (ARCHITECTURE §1); the same names as scripts/devstack/services.py.
CREATE DATABASE api_gateway_service;
CREATE DATABASE bff_teacher_service;
CREATE DATABASE content_service;
CREATE DATABASE class_management_service;
CREATE DATABASE cj_assessment_service;
CREATE DATABASE llm_provider_service;
CREATE DATABASE result_aggregator_service;
