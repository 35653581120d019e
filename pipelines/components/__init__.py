"""Thin, typed KFP components, one module per stage (data, model, release). Each imports
`secure_mlops` inside its function (the code runs in the project image on a cluster, or in this
venv with kfp.local) and holds no logic of its own: one component per step of `secure_mlops.steps`,
with the same name."""
