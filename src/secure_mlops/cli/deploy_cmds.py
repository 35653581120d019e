"""`secure-mlops deploy`: verify a signed release, render its manifests, publish and apply it; with
--allow-rollback, the way back to the previous signed release after a bad model (docs/runbook.md,
section 3)."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command()(deploy)


def deploy(
    manifest: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                    help="The signed provenance manifest (provenance.json of the release)."),
    bento: Path = typer.Option(..., "--bento", exists=True, file_okay=False,
                               help="The release's bento folder: its digest (and its SBOM's) must match."),
    model: Path = typer.Option(..., "--model", exists=True, dir_okay=False,
                               help="The model file (model.skops): its digest must match."),
    image: str = typer.Option(
        ..., "--image", metavar="IMAGE",
        help="The inference image: registry/name@sha256:<digest> (required with --apply), or registry/name, "
        "rendered as registry/name:<bento version>.",
    ),
    release_uri: str = typer.Option(
        "", "--release-uri", metavar="URI",
        help="The lake's models/ prefix (s3://BUCKET/models/): the release is published there and the last "
        "deployed release recorded beside it. Required with --apply.",
    ),
    out: Path = typer.Option(Path("release-manifests"), "--out", file_okay=False,
                             help="Folder to render into (the overlay, a copy of the base, manifests.yaml)."),
    apply: bool = typer.Option(False, "--apply", help="Apply the Deployment and Service to the current cluster."),
    allow_rollback: bool = typer.Option(
        False, "--allow-rollback",
        help="Let a release older than the newest one deployed through (logged and recorded as a rollback).",
    ),
) -> None:
    """Deploy a signed release: verify it, render its Kubernetes manifests, publish it with
    --release-uri, and apply it with --apply.

    Nothing is rendered, published or applied unless the signature, the model and bento digests
    and the pinned image all match (exit 6). A release older than the last one deployed is refused
    (exit 6) unless --allow-rollback is given: that is how the previous signed release goes back
    out after a bad model. Needs a Vault token allowed to verify with the signing key, write
    access to the release URI, and for --apply the deployer's Kubernetes Role.

    Example: secure-mlops deploy provenance.json --bento bento --model model.skops
    --image registry.example/ml/inference@sha256:<digest> --release-uri s3://lake/models/ --apply
    """
    from secure_mlops.deploy import deploy as deploy_release
    from secure_mlops.deploy.image import release_image
    from secure_mlops.packaging import load_signed_manifest
    from secure_mlops.vault import manifest_signer

    pinned = release_image(image, bento, apply=apply)
    signed = load_signed_manifest(manifest)  # for the key and version it names; deploy verifies it
    result = deploy_release(manifest, signer=manifest_signer(), model_file=model, bento_dir=bento, image=pinned,
                            out_dir=out, apply=apply, release_uri=release_uri, allow_rollback=allow_rollback)
    checks = ["signature", "model digest", "bento digest", *(["sbom digest"] if signed.manifest.get("sbom") else [])]
    typer.echo(f"verified {manifest}: {', '.join(checks)} (key {signed.key}, {signed.signature.split(':')[1]})")
    typer.echo(f"release: {result.bento_tag}, model {result.model_tag}, sequence {result.sequence}")
    typer.echo(f"rendered {result.manifests} (image {pinned})")
    typer.echo(f"published {result.published}" if result.published else "published: nothing (no --release-uri)")
    for name in result.applied:
        typer.echo(f"applied {name}")
    if not apply:
        typer.echo("applied: nothing (no --apply)")
    typer.echo("rollback: yes, allowed by --allow-rollback" if result.rollback else "rollback: no")
