"""The Kubeflow pipeline: thin components over `secure_mlops`, and the wiring between them."""
