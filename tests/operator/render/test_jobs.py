"""render/jobs.py: the migration Job, one per image."""

from __future__ import annotations

from render_support import tenant

from rookery.operator.render.jobs import migration_job_name, tenant_jobs


def test_migration_job_is_per_image() -> None:
    (job,) = tenant_jobs(tenant())
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert migration_job_name(tenant(image="rookery:2")) != job["metadata"]["name"]
    assert migration_job_name(tenant(settings={"X": "1"})) == job["metadata"]["name"]


def test_the_job_template_is_immutable_across_config_changes_and_can_be_turned_off() -> None:
    (job,) = tenant_jobs(tenant())
    (changed,) = tenant_jobs(tenant(settings={"INSTANCE_TITLE": "Nest"}))
    assert "annotations" not in job["spec"]["template"]["metadata"]
    assert job["spec"]["template"] == changed["spec"]["template"]
    assert job["spec"]["backoffLimit"] == 3
    assert "readinessProbe" not in job["spec"]["template"]["spec"]["containers"][0]
    assert tenant_jobs(tenant(migrations={"enabled": False})) == []
