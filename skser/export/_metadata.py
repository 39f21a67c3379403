"""Keys of the metadata skser writes into an ONNX model."""

METADATA_PREFIX = "skser."


def read_metadata(model_or_session):
    """The ``skser.*`` metadata of an ONNX model or an onnxruntime session, as a dict."""
    if hasattr(model_or_session, "get_modelmeta"):
        props = model_or_session.get_modelmeta().custom_metadata_map
    else:
        props = {entry.key: entry.value for entry in model_or_session.metadata_props}
    return {
        key[len(METADATA_PREFIX):]: value
        for key, value in props.items()
        if key.startswith(METADATA_PREFIX)
    }
