"""Splicing a whole ONNX graph into a skl2onnx converter's container."""

from onnx import helper

__all__ = ["splice_graph"]


def splice_graph(scope, container, model, inputs, prefix, tag):
    """Copy ``model``'s graph into ``container``, wiring its inputs to ``inputs``.

    Like ``skl2onnx.helpers.add_onnx_graph``, but the outputs are returned (as new unique
    names) rather than bound to an operator's, so a converter can add nodes after them.
    Node names start with ``prefix`` (skl2onnx turns the ``/`` after it into ``_``),
    which lets quantisation pick a step's nodes.

    Parameters
    ----------
    scope : skl2onnx Scope
    container : skl2onnx ModelComponentContainer
    model : onnx.ModelProto
        The graph to copy; its opset must not exceed the container's.
    inputs : list of str
        Names, in the container, that feed the graph's inputs in order.
    prefix : str
        Start of every copied node's name.
    tag : str
        Start of every copied tensor's name, kept short (``tag_12``): names are stored
        wherever a tensor is used, and long ones make the file larger.

    Returns
    -------
    outputs : list of str
        Names, in the container, of the graph's outputs in order.
    """
    graph = model.graph
    renamed = {}

    def rename(name):
        if name and name not in renamed:
            renamed[name] = scope.get_unique_variable_name(f"{tag}_{len(renamed)}")
        return renamed.get(name, name)

    for source, target in zip(graph.input, inputs):
        renamed[source.name] = target
    for tensor in graph.initializer:
        copy = type(tensor)()
        copy.CopyFrom(tensor)
        copy.name = rename(tensor.name)
        container.initializers.append(copy)
    for node in graph.node:
        op_type, node_inputs = _without_empty_inputs(node)
        copy = helper.make_node(
            op_type,
            [rename(name) for name in node_inputs],
            [rename(name) for name in node.output],
            name=scope.get_unique_operator_name(f"{prefix}/{op_type}"),
            domain=node.domain or None,
        )
        if op_type == node.op_type:
            copy.attribute.extend(node.attribute)
        container.nodes.append(copy)
    # skl2onnx sets the model's opsets from the versions its containers record; nodes
    # appended here must say which opset they need.
    for opset in model.opset_import:
        container.node_domain_version_pair_sets.add((opset.domain, opset.version))
    return [rename(output.name) for output in graph.output]


def _without_empty_inputs(node):
    """The node's op type and inputs with omitted optional inputs ('') removed.

    skl2onnx's topological sort cannot place a node with an empty input name. Trailing
    empty inputs can simply be dropped; ``Clip(x, '', high)`` (torch's ``clamp(max=)``)
    becomes ``Min(x, high)``, its exact equivalent.
    """
    inputs = list(node.input)
    while inputs and inputs[-1] == "":
        inputs.pop()
    if node.op_type == "Clip" and len(inputs) == 3 and inputs[1] == "":
        return "Min", [inputs[0], inputs[2]]
    if "" in inputs:
        raise ValueError(f"cannot splice {node.op_type} with an omitted middle input")
    return node.op_type, inputs
