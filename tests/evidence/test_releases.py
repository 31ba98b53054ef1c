"""Releases (manifest, changelog, refusal to lose rows) and curator roles."""

import hashlib
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from evidence.dataset.releases import ReleaseRefused, release_publish
from evidence.services import roles_setup
from tests.factories import ClinicalTrialFactory, ConditionFactory, ReviewFactory
from trials.models import ClinicalTrial

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    review = ReviewFactory(slug="foo-2021", doi="10.1155/2021/2616807")
    trials = ClinicalTrialFactory.create_batch(3, source_review=review)
    return trials


def test_manifest_counts_equal_the_database_and_checksums_match(data, tmp_path):
    release, _ = release_publish(version="1.0.0", root=tmp_path)
    folder = tmp_path / "1.0.0"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["row_counts"]["trials"] == ClinicalTrial.objects.count() == 3
    assert manifest["source_reviews"][0]["doi"] == "10.1155/2021/2616807"
    assert manifest["schema_version"]["trials"].startswith("00")
    for name, checksum in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == checksum
    assert (folder / "csv" / "trials.csv").read_text().count("\n") == 4  # header + 3
    assert release.manifest == manifest


def test_second_release_changelog_lists_exactly_the_changes(data, tmp_path):
    release_publish(version="1.0.0", root=tmp_path)
    changed, deleted, _ = data
    changed.route = "intrathecal"
    changed.save()
    deleted.delete()  # recorded by the history
    added = ClinicalTrialFactory(source_review=changed.source_review)
    ConditionFactory(slug="new-condition")
    _, changelog = release_publish(version="1.1.0", root=tmp_path)
    assert changelog.changed["trials"] == [changed.slug]
    assert changelog.removed["trials"] == [deleted.slug]
    assert changelog.added["trials"] == [added.slug]
    assert changelog.added["conditions"] == ["new-condition"]
    assert sum(len(v) for v in changelog.changed.values()) == 1
    text = (tmp_path / "1.1.0" / "CHANGELOG.md").read_text()
    assert f"- trials: {deleted.slug}" in text


def test_release_refused_when_rows_vanish_without_recorded_deletion(data, tmp_path):
    release_publish(version="1.0.0", root=tmp_path)
    # A deletion behind the application's back (raw SQL): the history has no record.
    trial = data[0]
    for relation in (trial.conditions, trial.outcome_classes, trial.cited_references):
        relation.clear()
    ClinicalTrial.objects.filter(pk=trial.pk)._raw_delete(using="default")
    with pytest.raises(ReleaseRefused, match=data[0].slug):
        release_publish(version="1.1.0", root=tmp_path)
    assert not (tmp_path / "1.1.0").exists()


def test_release_version_cannot_be_reused(data, tmp_path):
    call_command("release", "1.0.0", "--root", str(tmp_path))
    with pytest.raises(CommandError, match="exists already"):
        call_command("release", "1.0.0", "--root", str(tmp_path))


def test_roles_are_idempotent_and_scoped():
    first = roles_setup()
    assert roles_setup() == first
    User = get_user_model()
    viewer, curator, editor = (
        User.objects.create_user(name, is_staff=True) for name in ("v", "c", "e")
    )
    for user, group in (
        (viewer, "viewers"),
        (curator, "curators"),
        (editor, "editors"),
    ):
        user.groups.add(Group.objects.get(name=group))
    assert viewer.has_perm("trials.view_clinicaltrial")
    assert not viewer.has_perm("trials.change_clinicaltrial")
    assert curator.has_perm("trials.change_clinicaltrial")
    assert not curator.has_perm("trials.delete_clinicaltrial")
    assert not curator.has_perm("evidence.publish_release")
    assert editor.has_perm("trials.delete_clinicaltrial")
    assert editor.has_perm("evidence.publish_release")


def test_viewer_cannot_change_in_the_admin(client, data):
    roles_setup()
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.groups.add(Group.objects.get(name="viewers"))
    client.force_login(viewer)
    trial = data[0]
    url = f"/admin/trials/clinicaltrial/{trial.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"route": "intrathecal"})
    assert response.status_code == 403
    trial.refresh_from_db()
    assert trial.route == "intravenous"
    assert client.get("/admin/trials/clinicaltrial/add/").status_code == 403
