"""Class management's domain metrics; the HTTP, consumer and outbox ones come from huleedu_service_libs."""

from __future__ import annotations

from prometheus_client import Counter

# service_layer.accounts: outcome = success | invalid | locked
LOGIN_ATTEMPTS = Counter("cms_login_attempts_total", "Credential checks by outcome", ["outcome"])
# service_layer.associations: outcome = suggested | no_match | no_roster
STUDENT_SUGGESTIONS = Counter("cms_student_suggestions_total", "Essay-to-student matching runs by outcome", ["outcome"])
# service_layer.associations: one per essay a teacher confirmed or corrected
ASSOCIATIONS_CONFIRMED = Counter("cms_associations_confirmed_total", "Essay-to-student associations confirmed")
# service_layer.accounts: outcome = changed | wrong_old_password | locked; guesses here count toward the sign-in lock
PASSWORD_CHANGES = Counter("cms_password_changes_total", "Password change attempts by outcome", ["outcome"])
