"""The Vault policies in policies/vault and the Kubernetes auth roles Terraform binds them to.

Offline: each policy against its allowed/denied examples (<policy>.cases.yaml) with Vault's
path-matching rules, and the roles of infra/terraform/modules/vault read from the HCL. The same
examples run against a real OpenBao in tests/integration/test_vault_policy_matrix.py.
"""

from __future__ import annotations

import re
from typing import Any

import hcl2
import pytest

from pipelines.platform import VAULT_ENV
from secure_mlops.config import Settings
from tests.support.paths import TERRAFORM, VAULT_POLICIES
from tests.support.policies import VAULT_POLICY_NAMES as POLICY_NAMES
from tests.support.policies import case_matrix, load_vault_cases, vault_case_id

# Policies bound to Kubernetes auth roles (workloads); the others are for people.
WORKLOAD_POLICIES = ("secure-mlops-pipeline", "secure-mlops-inference", "secure-mlops-deployer", "secure-mlops-auditor")
ONE_HOUR = 3600


def unquote(value: str) -> str:
    """python-hcl2 keeps the quotes of string literals."""
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


def load_rules(name: str) -> dict[str, dict[str, Any]]:
    """path -> its block (capabilities, parameter constraints), quotes removed."""
    document = hcl2.load((VAULT_POLICIES / f"{name}.hcl").open(encoding="utf-8"))
    rules: dict[str, dict[str, Any]] = {}
    for block in document.get("path", []):
        for path, body in ((k, v) for k, v in block.items() if not k.startswith("__")):
            assert unquote(path) not in rules, f"{name}: path {path} appears twice"
            rules[unquote(path)] = body
    return rules


def capabilities_of(rules: dict[str, dict[str, Any]], path: str) -> set[str]:
    return {unquote(c) for c in rules[path]["capabilities"]}


# --- Vault's path matching, as documented for ACL policies ------------------------------------
# `+` matches exactly one path segment; `*` is a glob only as the last character; when several
# rules match, the most specific wins (later first wildcard, no trailing glob, fewer `+`,
# longer, then lexicographically greater).


def _pattern(rule: str) -> re.Pattern[str]:
    glob = rule.endswith("*")
    body = rule[:-1] if glob else rule
    segments = ("[^/]+" if segment == "+" else re.escape(segment) for segment in body.split("/"))
    return re.compile("/".join(segments) + (".*" if glob else "") + r"\Z")


def _specificity(rule: str) -> tuple[int, bool, int, int, str]:
    wildcards = [i for i, char in enumerate(rule) if char in "+*"]
    return (wildcards[0] if wildcards else len(rule), not rule.endswith("*"), -rule.count("+"), len(rule), rule)


def granted(rules: dict[str, dict[str, Any]], path: str) -> set[str]:
    matching = [rule for rule in rules if _pattern(rule).match(path)]
    if not matching:
        return set()
    capabilities = capabilities_of(rules, max(matching, key=_specificity))
    return set() if "deny" in capabilities else capabilities


def test_every_policy_has_examples_and_every_example_file_a_policy() -> None:
    cases = sorted(p.name.removesuffix(".cases.yaml") for p in VAULT_POLICIES.glob("*.cases.yaml"))
    assert cases == POLICY_NAMES
    assert set(WORKLOAD_POLICIES) <= set(POLICY_NAMES)


@pytest.mark.parametrize("name", POLICY_NAMES)
@pytest.mark.control("least-privilege-vault")
def test_globs_appear_only_where_vault_honours_them(name: str) -> None:
    # A `*` anywhere but at the end is a literal star: the rule silently matches nothing.
    for path in load_rules(name):
        assert "*" not in path[:-1], f"{name}: '*' inside {path} is not a glob"
        assert all(segment == "+" or "+" not in segment for segment in path.split("/")), path


# The auditor alone may read the project's own policies, each by its exact name, for `audit --live`.
AUDITOR_POLICY_READS = {f"sys/policies/acl/{name}" for name in POLICY_NAMES}


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_policies_touch_transit_only_and_never_with_sudo(name: str) -> None:
    rules = load_rules(name)
    for path, body in rules.items():
        assert not {"sudo", "root"} & {unquote(c) for c in body["capabilities"]}, path
        if name == "secure-mlops-auditor" and path in AUDITOR_POLICY_READS:
            assert capabilities_of(rules, path) == {"read"}, path
            continue
        assert path.startswith("transit/"), f"{name} grants {path}"


@pytest.mark.parametrize("name", WORKLOAD_POLICIES)
def test_workload_policies_cannot_manage_export_or_back_up_keys(name: str) -> None:
    for path in load_rules(name):
        assert not re.match(r"transit/(export|backup|restore|keys/[^/]+/(rotate|config|trim))", path), path
        assert capabilities_of(load_rules(name), path) <= {"read", "update"}, path
        assert not path.endswith("*"), f"{name}: workloads get exact paths only, not {path}"


@pytest.mark.parametrize("name", ["secure-mlops-operator"])
def test_operator_cannot_make_keys_exportable_backed_up_or_deletable(name: str) -> None:
    for path, body in load_rules(name).items():
        if path.endswith("/config"):
            denied = {unquote(key) for key in body["denied_parameters"]}
            assert denied == {"exportable", "allow_plaintext_backup", "deletion_allowed"}, path


@pytest.mark.parametrize(("name", "case", "expected"), case_matrix(POLICY_NAMES, load_vault_cases, vault_case_id))
@pytest.mark.control("least-privilege-vault")
def test_vault_policy_matrix(name: str, case: dict[str, str], expected: bool) -> None:
    assert (case["capability"] in granted(load_rules(name), case["path"])) is expected


def test_path_matching_follows_vault_rules() -> None:
    """The matcher above is itself a test instrument: check it on Vault's documented cases."""
    rules = {
        "secret/*": {"capabilities": ['"read"']},
        "secret/+/config": {"capabilities": ['"update"']},
        "secret/a/config": {"capabilities": ['"deny"']},
        "transit/keys/x-*/rotate": {"capabilities": ['"update"']},
    }
    assert granted(rules, "secret/anything/deeper") == {"read"}
    assert granted(rules, "secret/b/config") == {"update"}
    assert granted(rules, "secret/a/config") == set()
    # The mid-path star is literal: the operator policy once relied on it and granted nothing.
    assert granted(rules, "transit/keys/x-data/rotate") == set()


# --- The Kubernetes auth roles of the vault module ------------------------------------------


@pytest.fixture(scope="module")
def vault_module() -> dict[str, Any]:
    return hcl2.load((TERRAFORM / "modules" / "vault" / "main.tf").open(encoding="utf-8"))


# The root module every environment runs (envs/prod's .tf files are symlinks to envs/dev's).
ROOT_MAIN = TERRAFORM / "envs" / "dev" / "main.tf"


@pytest.fixture(scope="module")
def root_workloads() -> dict[str, dict[str, Any]]:
    root = hcl2.load(ROOT_MAIN.open(encoding="utf-8"))
    (workloads,) = [block["workloads"] for block in root["locals"] if "workloads" in block]
    return workloads


@pytest.fixture(scope="module")
def transit_keys(vault_module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """purpose -> the settings of its Transit key (local.transit_keys of the vault module)."""
    (keys,) = [block["transit_keys"] for block in vault_module["locals"] if "transit_keys" in block]
    return keys


def _resource(module: dict[str, Any], kind: str, name: str) -> dict[str, Any]:
    for block in module["resource"]:
        if f'"{kind}"' in block and f'"{name}"' in block[f'"{kind}"']:
            return block[f'"{kind}"'][f'"{name}"']
    raise AssertionError(f"no {kind}.{name}")


@pytest.mark.control("least-privilege-vault")
def test_each_role_binds_exactly_one_service_account_in_one_namespace(vault_module: dict[str, Any]) -> None:
    role = _resource(vault_module, "vault_kubernetes_auth_backend_role", "this")
    assert role["bound_service_account_names"] == ["${each.value.service_account}"]
    assert role["bound_service_account_namespaces"] == ["${each.value.namespace}"]
    assert role["token_policies"] == ["${vault_policy.roles[each.key].name}"]
    assert role["audience"] == "${var.vault_kubernetes_auth.audience}"
    assert unquote(role["alias_name_source"]) == "serviceaccount_uid"


def test_root_workloads_name_single_accounts_and_short_tokens(root_workloads: dict[str, dict[str, Any]]) -> None:
    assert set(root_workloads) == {"pipeline", "inference", "deployer", "auditor"}
    for key, workload in root_workloads.items():
        account = unquote(workload["service_account"])
        assert re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", account), key
        assert "*" not in workload["namespace"], key
        assert int(workload["token_ttl_seconds"]) <= ONE_HOUR, key
        assert unquote(workload["vault_role"]) in WORKLOAD_POLICIES, key


@pytest.mark.control("least-privilege-vault")
def test_token_lifetimes_are_capped_at_one_hour(vault_module: dict[str, Any]) -> None:
    assert re.search(r"token_max_ttl_seconds\s*=\s*3600\b", ROOT_MAIN.read_text(encoding="utf-8"))
    backend = _resource(vault_module, "vault_auth_backend", "kubernetes")
    assert unquote(backend["tune"][0]["max_lease_ttl"]) == "1h"
    variables = hcl2.load((TERRAFORM / "modules" / "vault" / "variables.tf").open(encoding="utf-8"))
    (roles,) = [v['"roles"'] for v in variables["variable"] if '"roles"' in v]
    assert any("role.token_max_ttl_seconds <= 3600" in rule["condition"] for rule in roles["validation"])


def test_every_workload_has_a_vault_role_with_its_policy_file(root_workloads: dict[str, dict[str, Any]]) -> None:
    roles = {unquote(w["vault_role"]) for w in root_workloads.values()}
    assert roles == set(WORKLOAD_POLICIES)
    assert all((VAULT_POLICIES / f"{role}.hcl").is_file() for role in roles)


@pytest.mark.control("least-privilege-vault")
def test_pipeline_pods_log_in_with_the_role_terraform_creates(root_workloads: dict[str, dict[str, Any]]) -> None:
    runner = root_workloads["pipeline"]
    assert VAULT_ENV["SECURE_MLOPS_VAULT_KUBERNETES_ROLE"] == unquote(runner["vault_role"])
    assert unquote(runner["service_account"]) == "secure-mlops-pipeline"


@pytest.mark.control("keyed-pseudonyms")
def test_transit_mount_and_key_names_match_the_application(
    vault_module: dict[str, Any], transit_keys: dict[str, dict[str, Any]]
) -> None:
    settings = Settings.model_construct()
    expected = {
        "data": (settings.data_key_name, "aes256-gcm96"),
        "pseudonym": (settings.pseudonym_key_name, "hmac"),
        "signing": (settings.signing_key_name, "ed25519"),
    }
    assert {purpose: (unquote(key["name"]), unquote(key["type"])) for purpose, key in transit_keys.items()} == expected
    # One resource writes every key, with the settings of its entry and the same protections.
    key = _resource(vault_module, "vault_transit_secret_backend_key", "this")
    assert key["for_each"] == "${local.transit_keys}"
    assert (key["name"], key["type"]) == ("${each.value.name}", "${each.value.type}")
    assert key["exportable"] is False and key["allow_plaintext_backup"] is False
    assert key["deletion_allowed"] is False
    main = (TERRAFORM / "modules" / "vault" / "main.tf").read_text(encoding="utf-8")
    assert f'transit_mount = "{Settings.model_fields["transit_mount"].default}"' in main


def test_data_and_signing_keys_rotate_automatically_and_the_pseudonym_key_never(
    vault_module: dict[str, Any], transit_keys: dict[str, dict[str, Any]]
) -> None:
    key = _resource(vault_module, "vault_transit_secret_backend_key", "this")
    assert key["auto_rotate_period"] == "${each.value.auto_rotate_period}"
    assert transit_keys["data"]["auto_rotate_period"] == "${var.vault_transit.data_key_rotation_period_seconds}"
    assert transit_keys["signing"]["auto_rotate_period"] == "${var.vault_transit.signing_key_rotation_period_seconds}"
    assert transit_keys["pseudonym"]["auto_rotate_period"] == 0  # a rotation would re-key every pseudonym
    for version in ("min_decryption_version", "min_encryption_version"):
        assert key[version] == "${var.vault_transit.min_version[each.key]}"


def test_existing_transit_keys_keep_their_state(transit_keys: dict[str, dict[str, Any]]) -> None:
    # The keys were one resource each: without a move Terraform would try to replace them.
    moved = hcl2.load((TERRAFORM / "modules" / "vault" / "moved.tf").open(encoding="utf-8"))["moved"]
    assert {(block["from"], block["to"]) for block in moved} == {
        (f"${{vault_transit_secret_backend_key.{purpose}}}", f'${{vault_transit_secret_backend_key.this["{purpose}"]}}')
        for purpose in transit_keys
    }
