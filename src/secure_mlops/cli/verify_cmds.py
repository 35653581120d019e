"""`secure-mlops verify`: check a signed release without deploying it."""

from __future__ import annotations

from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command()(verify)


def verify(
    manifest: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                    help="The signed provenance manifest (provenance.json, also in the bento's src/release/)."),
    bento: Path = typer.Option(None, "--bento", exists=True, file_okay=False,
                               help="The built bento's folder: its digest (and its SBOM's) must match."),
    model: Path = typer.Option(None, "--model", exists=True, dir_okay=False,
                               help="The model file (model.skops): its digest must match."),
) -> None:
    """Verify a signed release: the signature (by Vault Transit), then every digest given.

    Prints each check that passed; the first that fails ends the command with exit 6 and names
    it. Needs a Vault token allowed to verify with the signing key (the auditor, deployer,
    inference or pipeline policy).

    Example: secure-mlops verify bento/src/release/provenance.json --bento bento --model model.skops
    """
    from secure_mlops.packaging import load_signed_manifest, verify_manifest
    from secure_mlops.vault import manifest_signer

    signed = load_signed_manifest(manifest)
    signer = manifest_signer()
    verify_manifest(signed, signer, model_file=model, bento_dir=bento)
    typer.echo(f"signature: ok (key {signed.key}, {signed.signature.split(':')[1]})")
    if model is not None:
        typer.echo(f"model digest: ok ({model})")
    if bento is not None:
        typer.echo(f"bento digest: ok ({bento})")
        if signed.manifest.get("sbom"):  # verify_manifest checked the SBOM the bento carries
            typer.echo(f"sbom digest: ok ({signed.manifest['sbom']['digest']})")
    typer.echo(f"verified {manifest}")
