"""infra/terraform without a cloud: formatting, HCL parsing, module conventions, the hardening of
every S3 bucket, the policy files the modules load, and checkov with zero failed checks.

Providers cannot be downloaded here, so `terraform validate` cannot run; what Terraform would
only find at plan time (a templatefile() missing a placeholder, a policy file that does not
exist) is checked by reading the configuration instead.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from tests.support.k8s import rendered
from tests.support.paths import IAM_POLICIES as IAM
from tests.support.paths import K8S, TERRAFORM
from tests.support.policies import EXAMPLE_VALUES, PLACEHOLDER, as_list, render_policy, statements
from tests.support.tools import checkov_reports, path_tool

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
TF_FILES = sorted(TERRAFORM.rglob("*.tf"))
# Top-level modules and the modules internal to one of them (modules/<name>/modules/<internal>).
MODULES = [
    *sorted(p for p in (TERRAFORM / "modules").iterdir() if p.is_dir()),
    *sorted(p for p in (TERRAFORM / "modules").glob("*/modules/*") if p.is_dir()),
]
ENVS = sorted(p for p in (TERRAFORM / "envs").iterdir() if p.is_dir())
# The root module every environment runs (envs/prod's .tf files are symlinks to these).
ROOT_MAIN = TERRAFORM / "envs" / "dev" / "main.tf"
DATA_LAKE = TERRAFORM / "modules" / "data-lake" / "main.tf"
# Every bucket of the lake is hardened by this module, called once per bucket from DATA_LAKE.
HARDENED_BUCKET = TERRAFORM / "modules" / "data-lake" / "modules" / "hardened-bucket"


def unquote(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals; numbers and booleans come as they are."""
    return value[1:-1] if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"' else value


def parse(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return hcl2.load(handle)


def named(block: dict[str, Any]) -> list[tuple[str, Any]]:
    """A parsed block's entries without python-hcl2's bookkeeping (__is_block__, __comments__)."""
    return [(unquote(key), value) for key, value in block.items() if not key.startswith("__")]


def resources(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """name -> body of every resource of one type."""
    found = {}
    for block in document.get("resource", []):
        for name, body in named(block.get(f'"{kind}"', {})):
            found[name] = body
    return found


def attached_to(document: dict[str, Any], kind: str, bucket: str) -> list[dict[str, Any]]:
    """The `kind` resources whose `bucket` argument refers to aws_s3_bucket.<bucket>."""
    reference = re.compile(rf"aws_s3_bucket\.{bucket}(\[0\])?\.id\b")
    return [body for body in resources(document, kind).values() if reference.search(body["bucket"])]


def hardening_of(document: dict[str, Any], bucket: str) -> list[dict[str, Any]]:
    """The arguments of every call of the hardened-bucket module for aws_s3_bucket.<bucket>."""
    reference = re.compile(rf"aws_s3_bucket\.{bucket}(\[0\])?\.id\b")
    return [
        body
        for block in document.get("module", [])
        for _, body in named(block)
        if unquote(body["source"]) == "./modules/hardened-bucket" and reference.search(body["bucket"])
    ]


def declared(module: Path, kind: str) -> list[tuple[str, Any]]:
    """(name, body) of every `variable` or `output` block in any .tf file of a module."""
    return [entry for path in sorted(module.glob("*.tf")) for block in parse(path).get(kind, []) for entry in named(block)]


@pytest.mark.control("secure-infra-defaults")
def test_terraform_fmt_is_clean() -> None:
    terraform = path_tool("terraform")
    result = subprocess.run(
        [terraform, "fmt", "-check", "-recursive", "-diff", str(TERRAFORM)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, f"run `terraform fmt -recursive infra/terraform`:\n{result.stdout}"


@pytest.mark.parametrize("path", TF_FILES, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_every_tf_file_parses(path: Path) -> None:
    assert isinstance(parse(path), dict)


@pytest.mark.parametrize("module", MODULES + ENVS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_module_has_the_standard_files(module: Path) -> None:
    names = {p.name for p in module.iterdir()}
    assert {"main.tf", "variables.tf", "outputs.tf", "versions.tf"} <= names
    if module in MODULES:
        readme = (module / "README.md").read_text(encoding="utf-8")
        assert "## Inputs" in readme and "## Outputs" in readme
        # The README lists every input and output by name.
        for name, _ in declared(module, "variable") + declared(module, "output"):
            assert f"`{name}`" in readme, f"{module.name}/README.md does not mention {name}"
    else:
        assert {"terraform.tfvars", "backend.hcl.example"} <= names


@pytest.mark.parametrize("module", MODULES + ENVS, ids=lambda p: str(p.relative_to(TERRAFORM)))
def test_terraform_and_provider_versions_are_pinned(module: Path) -> None:
    (block,) = parse(module / "versions.tf")["terraform"]
    assert re.fullmatch(r"\">= 1\.(6|10), < 2\.0\"", block["required_version"])
    providers = dict(named(block["required_providers"][0]))
    pins = {"aws": r"~> 5\.\d+", "vault": r"~> 4\.\d+"}
    used = {p for p in pins if re.search(rf'resource "{p}_', "".join(f.read_text() for f in module.glob("*.tf")))}
    assert used <= set(providers), f"{module.name} uses providers it does not pin"
    for name, spec in providers.items():
        assert unquote(spec["source"]) == f"hashicorp/{name}"
        assert re.fullmatch(pins[name], unquote(spec["version"])), f"{name} {spec['version']}"


def _variables() -> list[Any]:
    params = []
    for path in TF_FILES:  # variables.tf and the variables-*.tf files shared by symlink
        for block in parse(path).get("variable", []):
            ((name, body),) = named(block)
            params.append(pytest.param(body, id=f"{path.parent.relative_to(TERRAFORM)}:{name}"))
    return params


@pytest.mark.parametrize("variable", _variables())
@pytest.mark.control("secure-infra-defaults")
def test_every_variable_has_description_type_and_validation(variable: dict[str, Any]) -> None:
    assert len(unquote(variable.get("description", ""))) > 10
    assert "type" in variable and not re.search(r"\bany\b", variable["type"]), variable.get("type")
    assert variable.get("validation"), "no validation block"
    for rule in variable["validation"]:
        assert rule["condition"] and len(unquote(rule["error_message"])) > 10


@pytest.mark.parametrize(
    "path", sorted(TERRAFORM.rglob("outputs.tf")), ids=lambda p: str(p.parent.relative_to(TERRAFORM))
)
def test_every_output_has_a_description(path: Path) -> None:
    for block in parse(path).get("output", []):
        ((name, body),) = named(block)
        assert len(unquote(body.get("description", ""))) > 10, name


def test_environments_share_one_root_module() -> None:
    dev, *others = ENVS
    for env in others:
        for tf in sorted(dev.glob("*.tf")):
            assert (env / tf.name).read_text() == tf.read_text(), f"envs/{env.name}/{tf.name} differs from envs/dev"
        assert {p.name for p in env.glob("*.tf")} == {p.name for p in dev.glob("*.tf")}


def _module_calls(path: Path) -> dict[str, dict[str, Any]]:
    return {name: body for block in parse(path).get("module", []) for name, body in named(block)}


def _declarations(folder: Path) -> dict[str, Path]:
    """variable name -> the file declaring it, symlinks resolved (each name declared once)."""
    found: dict[str, Path] = {}
    for path in sorted(folder.glob("*.tf")):
        for block in parse(path).get("variable", []):
            ((name, _),) = named(block)
            assert name not in found, f"{folder.name}: {name} is declared twice"
            found[name] = path.resolve()
    return found


def test_inputs_the_root_passes_through_are_declared_once_in_the_module() -> None:
    # An input the root hands to a module unchanged (`name = var.name`) has one declaration, in
    # that module, which the root includes by symlink: types, defaults and validations cannot
    # drift apart.
    root = _declarations(ROOT_MAIN.parent)
    passed = set()
    for call in _module_calls(ROOT_MAIN).values():
        folder = (ROOT_MAIN.parent / unquote(call["source"])).resolve()
        module = _declarations(folder)
        for argument, value in named(call):
            if value == f"${{var.{argument}}}":
                assert root[argument] == module[argument], f"{argument}: {root[argument]} and {module[argument]}"
                assert root[argument].parent == folder, f"{argument} is declared outside the module it configures"
                passed.add(argument)
    assert passed >= {"environment", "identity_provider", "data_bucket_name", "retention", "audit_object_lock",
                      "vault_kubernetes_auth", "vault_token_bound_cidrs", "vault_transit"}
    # tags reach both AWS modules (merged with the project's own): one declaration for all three.
    tags = {root["tags"]} | {_declarations(TERRAFORM / "modules" / m)["tags"] for m in ("data-lake", "workload-identities")}
    assert len(tags) == 1


def test_existing_states_follow_the_modules_out_of_the_former_stack_layer() -> None:
    moves = {(b["from"], b["to"]) for b in parse(ROOT_MAIN.parent / "moved.tf")["moved"]}
    assert moves == {(f"${{module.stack.module.{name}}}", f"${{module.{name}}}") for name in _module_calls(ROOT_MAIN)}


def test_environments_plug_into_an_existing_cluster_and_keep_state_remote() -> None:
    for env in ENVS:
        text = "".join(p.read_text() for p in env.glob("*.tf"))
        assert not re.search(r'resource "aws_eks_cluster"|module "eks"', text)
        assert 'backend "s3" {}' in text
        assert "use_lockfile = true" in (env / "backend.hcl.example").read_text()


# --- S3 buckets -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_lake() -> dict[str, Any]:
    return parse(DATA_LAKE)


@pytest.fixture(scope="module")
def hardened_bucket() -> dict[str, Any]:
    return parse(HARDENED_BUCKET / "main.tf")


def hardening_resource(hardened_bucket: dict[str, Any], kind: str) -> dict[str, Any]:
    """The one `kind` resource of the hardened-bucket module, attached to the bucket it hardens."""
    (body,) = resources(hardened_bucket, kind).values()
    assert body["bucket"] == "${var.bucket}"
    return body


def _policy_template(body: dict[str, Any]) -> Path:
    match = re.search(r'templatefile\("\$\{local\.policies_dir\}/([^"]+)"', body["policy"])
    assert match, "bucket policies are loaded from policies/ with templatefile()"
    return POLICIES / match.group(1)


def test_there_are_data_log_and_audit_buckets(data_lake: dict[str, Any]) -> None:
    assert set(resources(data_lake, "aws_s3_bucket")) == {"data", "logs", "audit"}


def test_every_bucket_is_hardened_once_by_the_hardened_bucket_module(
    data_lake: dict[str, Any], hardened_bucket: dict[str, Any]
) -> None:
    for bucket in resources(data_lake, "aws_s3_bucket"):
        assert len(hardening_of(data_lake, bucket)) == 1, f"aws_s3_bucket.{bucket} is not hardened exactly once"
    # The hardening itself is written only in the module: no bucket-level copy is left beside it.
    for kind in ("aws_s3_bucket_public_access_block", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_versioning",
                 "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_logging",
                 "aws_s3_bucket_notification", "aws_s3_bucket_policy", "aws_s3_bucket_lifecycle_configuration"):
        assert not resources(data_lake, kind), f"{kind} belongs in {HARDENED_BUCKET.name}"
        body = hardening_resource(hardened_bucket, kind)
        # Unconditional, except access logging, which the log bucket cannot have (see its checkov skip).
        assert ("count" in body) == (kind == "aws_s3_bucket_logging"), kind
        assert "for_each" not in body
    policy = hardening_resource(hardened_bucket, "aws_s3_bucket_policy")
    assert policy["policy"] == "${var.policy}"
    assert policy["depends_on"] == ["${aws_s3_bucket_public_access_block.this}"]
    assert hardening_resource(hardened_bucket, "aws_s3_bucket_notification")["eventbridge"] is True
    lifecycle = hardening_resource(hardened_bucket, "aws_s3_bucket_lifecycle_configuration")
    assert lifecycle["depends_on"] == ["${aws_s3_bucket_versioning.this}"]


@pytest.mark.parametrize("bucket", ["data", "logs", "audit"])
@pytest.mark.control("lake-access-hardening")
def test_bucket_policy_denies_plain_http_old_tls_and_foreign_kms_keys(data_lake: dict[str, Any], bucket: str) -> None:
    (policy,) = hardening_of(data_lake, bucket)
    denies = [s for s in statements(render_policy(_policy_template(policy))) if s["Effect"] == "Deny"]
    conditions = [s["Condition"] for s in denies]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    assert {"NumericLessThan": {"s3:TlsVersion": 1.2}} in conditions
    key_denies = [s for s in denies if "s3:x-amz-server-side-encryption-aws-kms-key-id" in json.dumps(s["Condition"])]
    assert key_denies and all(s["Action"] == "s3:PutObject" for s in key_denies)
    for statement in denies:
        assert statement["Principal"] == "*"


@pytest.mark.control("lake-encryption-at-rest")
def test_lake_buckets_refuse_uploads_under_any_key_but_the_data_key(data_lake: dict[str, Any]) -> None:
    for bucket in ("data", "audit"):
        (policy,) = hardening_of(data_lake, bucket)
        assert "kms_key_arn = aws_kms_key.data.arn" in policy["policy"]
        conditions = [s.get("Condition") for s in statements(render_policy(_policy_template(policy)))]
        key_id = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        assert {"StringNotEqualsIfExists": {key_id: EXAMPLE_VALUES["kms_key_arn"]}} in conditions


@pytest.mark.parametrize("bucket", ["data", "logs", "audit"])
@pytest.mark.control("lake-access-hardening")
def test_bucket_blocks_public_access_enforces_ownership_and_keeps_versions(
    data_lake: dict[str, Any], hardened_bucket: dict[str, Any], bucket: str
) -> None:
    assert hardening_of(data_lake, bucket), f"aws_s3_bucket.{bucket} is not hardened"
    block = hardening_resource(hardened_bucket, "aws_s3_bucket_public_access_block")
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert block[setting] is True, setting
    ownership = hardening_resource(hardened_bucket, "aws_s3_bucket_ownership_controls")
    assert unquote(ownership["rule"][0]["object_ownership"]) == "BucketOwnerEnforced"
    versioning = hardening_resource(hardened_bucket, "aws_s3_bucket_versioning")
    assert unquote(versioning["versioning_configuration"][0]["status"]) == "Enabled"
    assert resources(data_lake, "aws_s3_bucket")[bucket]["force_destroy"] is False
    # Versioning keeps old versions: every bucket's lifecycle removes them, over the whole bucket.
    noncurrent = [rule for rule in _lifecycle_rules(data_lake, bucket) if "noncurrent_version_expiration_days" in rule]
    assert [rule for rule in noncurrent if "prefix" not in rule], f"{bucket}: no whole-bucket noncurrent-version rule"
    for rule in noncurrent:
        assert rule["noncurrent_version_expiration_days"] == "${var.retention.noncurrent_version_expiration_days}"
        assert rule["abort_incomplete_upload_days"] == "${var.retention.abort_incomplete_upload_days}"


@pytest.mark.parametrize("bucket", ["data", "audit"])
@pytest.mark.control("lake-encryption-at-rest")
def test_lake_buckets_use_sse_kms_with_the_rotating_customer_key_and_log_access(
    data_lake: dict[str, Any], hardened_bucket: dict[str, Any], bucket: str
) -> None:
    (call,) = hardening_of(data_lake, bucket)
    assert unquote(call["encryption"]["sse_algorithm"]) == "aws:kms"
    assert call["encryption"]["kms_key_arn"] == "${aws_kms_key.data.arn}"
    sse = hardening_resource(hardened_bucket, "aws_s3_bucket_server_side_encryption_configuration")
    rule = sse["rule"][0]
    default = rule["apply_server_side_encryption_by_default"][0]
    assert default["sse_algorithm"] == "${var.encryption.sse_algorithm}"
    assert default["kms_master_key_id"] == "${var.encryption.kms_key_arn}"
    assert rule["bucket_key_enabled"] == '${var.encryption.sse_algorithm == "aws:kms" ? true : null}'
    assert call["access_log"]["target_bucket"] == "${aws_s3_bucket.logs.id}"
    logging = hardening_resource(hardened_bucket, "aws_s3_bucket_logging")
    assert logging["count"] == "${var.access_log == null ? 0 : 1}"
    assert logging["target_bucket"] == "${var.access_log.target_bucket}"
    key = resources(data_lake, "aws_kms_key")["data"]
    assert key["enable_key_rotation"] is True


def test_log_bucket_is_sse_s3_because_access_logging_cannot_deliver_to_sse_kms(data_lake: dict[str, Any]) -> None:
    (call,) = hardening_of(data_lake, "logs")
    assert unquote(call["encryption"]["sse_algorithm"]) == "AES256"
    assert "kms_key_arn" not in call["encryption"]
    assert "access_log" not in call  # null: no access logging of the log bucket into itself


def _lifecycle_rules(data_lake: dict[str, Any], bucket: str) -> list[dict[str, Any]]:
    """The lifecycle rules the data lake gives aws_s3_bucket.<bucket>, locals resolved."""
    (call,) = hardening_of(data_lake, bucket)
    shared = {f"${{local.{name}}}": value for block in data_lake["locals"] for name, value in named(block)}
    return [shared[rule] if isinstance(rule, str) else rule for rule in call["lifecycle_rules"]]


@pytest.mark.control("retention")
def test_raw_data_expires_and_old_versions_do_not_outlive_it(
    data_lake: dict[str, Any], hardened_bucket: dict[str, Any]
) -> None:
    rules = {unquote(rule["id"]): rule for rule in _lifecycle_rules(data_lake, "data")}
    raw = rules["expire-raw-data"]
    assert unquote(raw["prefix"]) == "raw/"
    assert raw["expiration_days"] == "${var.retention.raw_expiration_days}"
    quarantined = rules["expire-quarantined-data"]
    assert unquote(quarantined["prefix"]) == "quarantine/"
    assert quarantined["expiration_days"] == raw["expiration_days"]
    noncurrent = rules["expire-noncurrent-versions"]
    assert "prefix" not in noncurrent, "the noncurrent-version rule covers the whole bucket"
    assert noncurrent["noncurrent_version_expiration_days"] == "${var.retention.noncurrent_version_expiration_days}"
    # The module writes each rule as given: enabled, with its prefix (none: the whole bucket).
    (rule,) = hardening_resource(hardened_bucket, "aws_s3_bucket_lifecycle_configuration")["dynamic"]
    assert rule['"rule"']["for_each"] == "${var.lifecycle_rules}"
    (content,) = rule['"rule"']["content"]
    assert unquote(content["status"]) == "Enabled"
    assert [dict(named(block)) for block in content["filter"]] == [{"prefix": "${rule.value.prefix}"}]


@pytest.mark.control("retention")
def test_audit_bucket_is_object_locked(data_lake: dict[str, Any]) -> None:
    bucket = resources(data_lake, "aws_s3_bucket")["audit"]
    assert bucket["object_lock_enabled"] is True
    (lock,) = attached_to(data_lake, "aws_s3_bucket_object_lock_configuration", "audit")
    retention = lock["rule"][0]["default_retention"][0]
    assert retention["mode"] == "${var.audit_object_lock.mode}"
    assert retention["days"] == "${var.audit_object_lock.retention_days}"


# --- Policies loaded from policies/ -----------------------------------------------------------

TEMPLATEFILE = re.compile(r'templatefile\("\$\{local\.policies_dir\}/([^"]+)",\s*\{(.*?)\}\)', re.S)
WORKLOAD_POLICY_NAMES = ("pipeline-runner", "inference", "deployer", "auditor")


def _templatefile_calls() -> list[Any]:
    params = []
    for path in TF_FILES:
        for match in TEMPLATEFILE.finditer(path.read_text(encoding="utf-8")):
            template, arguments = match.groups()
            passed = set(re.findall(r"^\s*(\w+)\s*=", arguments, re.M))
            # One call renders each workload's own policy: check it for every allowed name.
            for name in WORKLOAD_POLICY_NAMES if "${each.value.policy}" in template else [None]:
                resolved = template.replace("${each.value.policy}", name) if name else template
                params.append(pytest.param(resolved, passed, id=f"{path.relative_to(TERRAFORM)}:{resolved}"))
    return params


@pytest.mark.parametrize(("template", "passed"), _templatefile_calls())
def test_templatefile_calls_pass_every_placeholder_of_an_existing_template(template: str, passed: set[str]) -> None:
    path = POLICIES / template
    assert path.is_file(), f"{template} does not exist in policies/"
    missing = set(PLACEHOLDER.findall(path.read_text(encoding="utf-8"))) - passed
    assert not missing, f"templatefile() of {template} does not pass {missing}: Terraform would fail at plan"


def test_every_policy_document_terraform_loads_is_one_of_ours() -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in TF_FILES)
    # No inline JSON policies and no aws_iam_policy_document: one source, in policies/.
    assert "jsonencode({" not in text.replace(" ", "") and "aws_iam_policy_document" not in text
    assert 'local.policies_dir}/vault/${each.key}.hcl' in text


def test_inline_checkov_skips_give_a_reason() -> None:
    for path in TF_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "checkov:skip=" in line:
                match = re.search(r"checkov:skip=(CKV2?_AWS_\d+):(.{40,})", line)
                assert match, f"{path.name}: a skip needs a check ID and a reason a reviewer can judge: {line.strip()}"


# --- checkov ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def checkov_report() -> dict[str, Any]:
    """One checkov run over infra/terraform for the whole session (it takes a few seconds)."""
    return checkov_reports({"infra/terraform": TERRAFORM}, "terraform")["infra/terraform"]


@pytest.mark.control("lake-access-hardening", "secure-infra-defaults")
def test_checkov_reports_zero_failed_checks(checkov_report: dict[str, Any]) -> None:
    summary = checkov_report["summary"]
    failed = [f"{c['check_id']} {c['resource']} ({c['file_path']})" for c in checkov_report["results"]["failed_checks"]]
    assert summary["failed"] == 0 and not failed, "\n".join(failed)
    assert summary["parsing_errors"] == 0


def test_checkov_actually_scanned_the_lake(checkov_report: dict[str, Any]) -> None:
    passed = {c["resource"] for c in checkov_report["results"]["passed_checks"]}
    assert checkov_report["summary"]["resource_count"] >= 30
    assert any(r.endswith("aws_s3_bucket.data") for r in passed) and any(r.endswith("aws_kms_key.data") for r in passed)


@pytest.mark.control("secure-infra-defaults")
def test_checkov_skips_are_the_reviewed_inline_ones(checkov_report: dict[str, Any]) -> None:
    skipped = {(c["check_id"], c["resource"].rsplit(".", 1)[-1]) for c in checkov_report["results"]["skipped_checks"]}
    assert skipped == {
        ("CKV_AWS_144", "data"),  # cross-region replication: data residency
        ("CKV_AWS_144", "audit[0]"),
        ("CKV_AWS_144", "logs"),
        ("CKV_AWS_18", "logs"),  # access logging of the access-log bucket itself
        ("CKV_AWS_145", "logs"),  # SSE-KMS: server access logs can only be delivered to SSE-S3
    }


# --- Agreement with k8s/ --------------------------------------------------------------------
# The IAM and Vault roles bind service-account and namespace names that k8s/ creates: a rename
# on one side alone would lock the workloads out, so both sides are read here.



def _root_workloads() -> dict[str, dict[str, str]]:
    (workloads,) = [b["workloads"] for b in parse(ROOT_MAIN)["locals"] if "workloads" in b]
    return {key: {k: unquote(v) for k, v in named(w)} for key, w in named(workloads)}


def _yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


@pytest.mark.parametrize("env", [e.name for e in ENVS])
@pytest.mark.control("least-privilege-cluster")
def test_pipeline_namespace_and_role_match_the_kubernetes_overlay(env: str) -> None:
    tfvars = parse(TERRAFORM / "envs" / env / "terraform.tfvars")
    (kustomization,) = _yaml_documents(K8S / "overlays" / env / "pipeline" / "kustomization.yaml")
    assert unquote(tfvars["kubeflow_namespace"]) == kustomization["namespace"]
    (account,) = _yaml_documents(K8S / "overlays" / env / "pipeline" / "serviceaccount.yaml")
    assert account["metadata"]["name"] == _root_workloads()["pipeline"]["service_account"]
    role_arn = account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
    # Role names are secure-mlops-<environment>-<workload> (modules/workload-identities).
    roles = resources(parse(TERRAFORM / "modules" / "workload-identities" / "main.tf"), "aws_iam_role")
    assert unquote(roles["this"]["name"]) == "secure-mlops-${var.environment}-${each.key}"
    assert role_arn.endswith(f":role/secure-mlops-{unquote(tfvars['environment'])}-pipeline")


@pytest.mark.parametrize("env", [e.name for e in ENVS])
def test_kfp_artifacts_go_to_the_lakes_artifacts_prefix_with_the_pods_own_role(env: str) -> None:
    tfvars = parse(TERRAFORM / "envs" / env / "terraform.tfvars")
    (launcher,) = [o for o in rendered(env) if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "kfp-launcher"]
    assert launcher["metadata"]["namespace"] == unquote(tfvars["kubeflow_namespace"])
    assert launcher["data"]["defaultPipelineRoot"] == f"s3://{unquote(tfvars['data_bucket_name'])}/artifacts"
    (lake_locals,) = [b for b in parse(TERRAFORM / "modules" / "data-lake" / "main.tf")["locals"] if "prefixes" in b]
    assert "artifacts/" in [unquote(p) for p in lake_locals["prefixes"]]
    # The launcher's S3 credentials are the pod's IAM role (IRSA): no Secret, no access key.
    s3 = yaml.safe_load(launcher["data"]["providers"])["s3"]
    assert s3["default"]["credentials"] == {"fromEnv": True} and "overrides" not in s3
    assert s3["default"]["region"] == unquote(tfvars["region"])
    # The runner's IAM policy lets the launcher write and read the artifacts there.
    runner = statements(render_policy(IAM / "pipeline-runner.json.tftpl"))
    for action in ("s3:PutObject", "s3:GetObject"):
        assert any(action in as_list(st["Action"]) and f"{EXAMPLE_VALUES['bucket_arn']}/artifacts/*" in as_list(st["Resource"])
                   for st in runner), action
    # And the run's Role lets KFP read the launcher settings, and no Secret at all.
    (role,) = [o for o in rendered(env) if o["kind"] == "Role" and o["metadata"]["name"] == "secure-mlops-pipeline"]
    assert {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["kfp-launcher"], "verbs": ["get"]} in role["rules"]
    assert not [r for r in role["rules"] if "secrets" in r["resources"]]


@pytest.mark.control("least-privilege-cluster")
def test_service_accounts_in_the_project_namespace_are_the_ones_kubernetes_creates() -> None:
    created = {
        d["metadata"]["name"]
        for path in (K8S / "base" / "serviceaccount.yaml", K8S / "base" / "access" / "serviceaccounts.yaml")
        for d in _yaml_documents(path)
        if d["kind"] == "ServiceAccount"
    }
    assert 'app_namespace = "secure-mlops"' in ROOT_MAIN.read_text(encoding="utf-8")
    (namespace,) = _yaml_documents(K8S / "base" / "namespace.yaml")
    assert namespace["metadata"]["name"] == "secure-mlops"
    workloads = _root_workloads().values()
    assert {w["service_account"] for w in workloads if w["namespace"] == "${local.app_namespace}"} == created
