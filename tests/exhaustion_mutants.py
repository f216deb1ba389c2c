"""Model configs that are small, valid-looking JSON and ask for unbounded work: the
`exhaustion` family of the file fuzzer (tests/file_fuzz.py reads each mutant with
every reader, in a worker under a memory and a time limit).

  sizes    a size argument anywhere in the config (units, filters, input_dim,
           num_tokens, num_bins, max_tokens, n, size, padding, target_shape,
           noise_shape, num_heads, key_dim, output_sequence_length, ...) made 10**6 to
           2**64 + 1
  layers   a layer replaced by one whose size arguments are huge: Dense(10**12),
           Embedding(input_dim=10**11), Conv1D(filters=10**9), CategoryEncoding,
           Hashing, IntegerLookup, RepeatVector, UpSampling1D, ZeroPadding1D, Reshape,
           MultiHeadAttention, TextVectorization
  shapes   an Input's batch_shape, a build_config's input_shape: (10**9, 10**9) and
           batch sizes of 10**12
  count    3000 to 2 * 10**5 layers (a Sequential of Activations, a functional chain)
  fan_in   a functional graph whose every call takes all the calls before it (a
           quadratic number of references), or a call used by 10**4 others
  nesting  Sequentials inside Sequentials, 40 to 150 levels (600 levels of JSON)
  shared   shared_object_id references in cycles and to objects never defined

Like file_mutants, nothing here knows kerasmini: it only writes JSON.
"""
import copy

from tests.file_mutants import _with_json, json_paths

HUGE = [10 ** 6, 10 ** 9, 10 ** 12, 2 ** 31, 2 ** 63, 2 ** 64 + 1, 10 ** 30]
SIZE_KEYS = ("units", "filters", "input_dim", "output_dim", "num_tokens", "num_bins",
             "max_tokens", "n", "size", "padding", "cropping", "target_shape",
             "noise_shape", "num_heads", "key_dim", "value_dim", "output_sequence_length",
             "pool_size", "kernel_size", "strides", "dilation_rate", "groups", "dims",
             "depth_multiplier", "embeddings_initializer", "height", "width", "factor")
TEMPLATES = [
    ("Dense", {"units": None}),
    ("Embedding", {"input_dim": None, "output_dim": 8}),
    ("Conv1D", {"filters": None, "kernel_size": [1]}),
    ("CategoryEncoding", {"num_tokens": None, "output_mode": "multi_hot"}),
    ("Hashing", {"num_bins": None}),
    ("IntegerLookup", {"max_tokens": None, "vocabulary": [1, 2, 3]}),
    ("RepeatVector", {"n": None}),
    ("UpSampling1D", {"size": None}),
    ("ZeroPadding1D", {"padding": None}),
    ("Reshape", {"target_shape": [None, None]}),
    ("Dropout", {"rate": 0.5, "noise_shape": [None, None]}),
    ("MultiHeadAttention", {"num_heads": None, "key_dim": None}),
    ("TextVectorization", {"max_tokens": None, "output_sequence_length": None}),
]


def _layers(tree):
    """(list, index) of every layer config inside a layer list (Sequential's or
    functional's), input layers excepted."""
    spots = []
    for _, value in json_paths(tree):
        if isinstance(value, dict) and isinstance(value.get("layers"), list):
            spots += [(value["layers"], i) for i, layer in enumerate(value["layers"])
                      if isinstance(layer, dict) and layer.get("class_name") != "InputLayer"]
    return spots


def _sizes(tree, rng):
    spots = [(parent, key) for _, parent in json_paths(tree) if isinstance(parent, dict)
             for key in SIZE_KEYS if key in parent and parent[key] is not None
             and not isinstance(parent[key], (dict, str, bool))]
    if not spots:
        return _replace_layer(tree, rng)
    parent, key = rng.choice(spots)
    huge = rng.choice(HUGE)
    old = parent[key]
    parent[key] = [huge] * len(old) if isinstance(old, list) else huge
    return tree, f"{key}: {old!r} -> {parent[key]!r}"


def _replace_layer(tree, rng):
    spots = _layers(tree)
    if not spots:
        return tree, "no layer (neutral)", True
    layers, index = rng.choice(spots)
    class_name, arguments = rng.choice(TEMPLATES)
    huge = rng.choice(HUGE)
    arguments = {k: ([huge if x is None else x for x in v] if isinstance(v, list)
                     else huge if v is None else v) for k, v in arguments.items()}
    layer = layers[index]
    layer.update({"class_name": class_name, "module": "keras.layers",
                  "registered_name": None})
    layer["config"] = {"name": layer.get("config", {}).get("name", "huge"), **arguments}
    layer.pop("build_config", None)
    return tree, f"{layer['config']['name']} -> {class_name}({arguments})"


def _shapes(tree, rng):
    spots = [(parent, key) for _, parent in json_paths(tree) if isinstance(parent, dict)
             for key in ("batch_shape", "batch_input_shape", "input_shape", "shape")
             if isinstance(parent.get(key), list) and parent[key]]
    if not spots:
        return tree, "no shape (neutral)", True
    parent, key = rng.choice(spots)
    old, huge = list(parent[key]), rng.choice(HUGE)
    if rng.random() < 0.3:  # the batch size
        parent[key] = [huge] + old[1:]
    else:
        parent[key] = old[:1] + [huge if x is not None else x for x in old[1:]]
    return tree, f"{key}: {old} -> {parent[key]}"


def _activation(name, inbound=None):
    layer = {"class_name": "Activation", "module": "keras.layers", "registered_name": None,
             "config": {"name": name, "activation": "linear"}}
    if inbound is not None:
        layer["inbound_nodes"] = [{"args": [[{"class_name": "__keras_tensor__", "config": {
            "shape": None, "dtype": "float32", "keras_history": ref}} for ref in inbound]]
            if len(inbound) > 1 else [{"class_name": "__keras_tensor__", "config": {
                "shape": None, "dtype": "float32", "keras_history": inbound[0]}}],
            "kwargs": {}}]
    return layer


def _functional_config(tree):
    """The innermost functional config (with output_layers) of the tree, if any."""
    found = [v for _, v in json_paths(tree) if isinstance(v, dict)
             and "output_layers" in v and isinstance(v.get("layers"), list)]
    return found[-1] if found else None


def _output(graph):
    """The first output reference of a functional config (Keras writes one output as
    a bare [name, node, tensor], several as a list of them)."""
    outputs = graph["output_layers"]
    return outputs if isinstance(outputs[0], str) else outputs[0]


def _set_output(graph, ref):
    if isinstance(graph["output_layers"][0], str):
        graph["output_layers"] = ref
    else:
        graph["output_layers"][0] = ref


def _count(tree, rng):
    count = rng.choice([3000, 10 ** 4, 5 * 10 ** 4, 2 * 10 ** 5])
    graph = _functional_config(tree)
    if graph is None:
        spots = [v for _, v in json_paths(tree) if isinstance(v, dict)
                 and isinstance(v.get("layers"), list)]
        if not spots:
            return tree, "no layer list (neutral)", True
        spots[0]["layers"] += [_activation(f"many_{i}") for i in range(count)]
        return tree, f"{count} more Activation layers"
    last = _output(graph)
    for i in range(count):
        graph["layers"].append(_activation(f"many_{i}", [last]))
        last = [f"many_{i}", 0, 0]
    _set_output(graph, last)
    return tree, f"a chain of {count} Activation calls before the output"


def _fan_in(tree, rng):
    graph = _functional_config(tree)
    if graph is None:
        return _count(tree, rng)
    start = _output(graph)
    if rng.random() < 0.5:
        count = rng.choice([100, 400, 1200])
        made = [start]
        for i in range(count):
            layer = _activation(f"fan_{i}", list(made))
            layer.update({"class_name": "Add", "config": {"name": f"fan_{i}"}})
            graph["layers"].append(layer)
            made.append([f"fan_{i}", 0, 0])
        _set_output(graph, made[-1])
        return tree, f"{count} Add calls, each of all the calls before it"
    count = rng.choice([10 ** 3, 10 ** 4])
    users = [[f"fan_{i}", 0, 0] for i in range(count)]
    graph["layers"] += [_activation(f"fan_{i}", [start]) for i in range(count)]
    adder = _activation("fan_sum", users)
    adder.update({"class_name": "Add", "config": {"name": "fan_sum"}})
    graph["layers"].append(adder)
    _set_output(graph, ["fan_sum", 0, 0])
    return tree, f"one call used by {count} others, then added up"


def _nesting(tree, rng):
    depth = rng.choice([40, 60, 150])  # 150: beyond the JSON depth limit (200 levels)
    inner = copy.deepcopy(tree)
    model_input = next((copy.deepcopy(v) for _, v in json_paths(tree) if isinstance(v, dict)
                        and v.get("class_name") == "InputLayer"), None)
    for level in range(depth):
        inner = {"class_name": "Sequential", "module": "keras", "registered_name": None,
                 "config": {"name": f"level_{level}",
                            "layers": ([model_input] if model_input else []) + [inner]}}
    keep = {k: tree[k] for k in ("compile_config",) if k in tree}
    return {**inner, **keep}, f"the model inside {depth} Sequentials"


def _shared(tree, rng):
    spots = [v for _, v in json_paths(tree) if isinstance(v, dict) and "class_name" in v
             and isinstance(v.get("config"), dict)]
    if not spots:
        return tree, "no object (neutral)", True
    first, second = rng.choice(spots), rng.choice(spots)
    how = rng.randrange(3)
    if how == 0:  # two objects naming each other's id
        first["shared_object_id"], second["shared_object_id"] = 1, 1
        first["config"]["shared"] = {"shared_object_id": 1, "class_name": "__shared__"}
        return tree, "shared_object_id 1 given twice, one inside the other"
    if how == 1:
        first["config"]["kernel_initializer"] = {"shared_object_id": 10 ** 12}
        return tree, "a reference to shared object 10**12, never defined"
    first["shared_object_id"] = 7
    first["config"]["self"] = {"shared_object_id": 7, "class_name": first["class_name"],
                               "config": copy.deepcopy(first["config"])}
    return tree, "an object holding a reference to itself"


ACTIONS = [_sizes, _sizes, _replace_layer, _replace_layer, _shapes, _count, _fan_in,
           _nesting, _shared]


def exhaustion_mutant(data, kind, rng):
    def change(tree, rng):
        return rng.choice(ACTIONS)(tree, rng)
    return _with_json(data, kind, rng, change)


FAMILIES = {"exhaustion": exhaustion_mutant}
FAMILY_KINDS = {"exhaustion": ("keras", "legacy")}
