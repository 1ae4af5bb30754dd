"""Trains small scikit-learn, XGBoost and LightGBM models on the datasets
scikit-learn bundles (iris, breast cancer, diabetes, digits) and exports them
to ONNX the way users do (skl2onnx; onnxmltools for XGBoost and LightGBM):
tree ensembles, linear models, preprocessing pipelines, an MLP, with ZipMap on
and off and several target opsets. For each model it writes

    <out>/<id>/model.onnx
    <out>/<id>/input.json     {"input_data": [[...]], "input_shapes": [[N, F]]}
    <out>/<id>/expected.json  {"outputs": [[...], ...]}  onnxruntime's outputs

ZipMap outputs (a list of {label: probability} maps) are written as the
probability matrix in class order, which is what zkml computes; int64 labels
as numbers. Usage: gen_ml_models.py OUT_DIR
"""

import json
import os
import sys
import warnings

import numpy as np
import onnxruntime as ort
from sklearn import datasets
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Binarizer, MaxAbsScaler, Normalizer, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from skl2onnx import to_onnx
from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

warnings.filterwarnings("ignore")

ROWS = 6  # sample rows per model input


def data(name):
    if name == "iris":
        x, y = datasets.load_iris(return_X_y=True)
    elif name == "cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "diabetes":
        x, y = datasets.load_diabetes(return_X_y=True)
    elif name == "digits":
        x, y = datasets.load_digits(return_X_y=True)
    else:
        raise ValueError(name)
    return x.astype(np.float32), y


def sample(x, seed):
    rng = np.random.default_rng(seed)
    return x[rng.choice(len(x), ROWS, replace=False)]


def sk(model, x, zipmap=None, opset=None, double=False):
    dtype = np.float64 if double else np.float32
    options = None
    if zipmap is not None:
        options = {id(model): {"zipmap": zipmap}}
        # A pipeline's classifier is its last step.
        if hasattr(model, "steps"):
            options = {id(model.steps[-1][1]): {"zipmap": zipmap}}
    kw = {}
    if opset is not None:
        kw["target_opset"] = opset
    if options is not None:
        kw["options"] = options
    return to_onnx(model, x[:1].astype(dtype), **kw)


def xgb(model, f):
    from onnxmltools.convert import convert_xgboost
    from onnxmltools.convert.common.data_types import FloatTensorType as FT

    return convert_xgboost(model, initial_types=[("input", FT([None, f]))], target_opset=15)


def lgbm(model, f, zipmap=True):
    from onnxmltools.convert import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType as FT

    return convert_lightgbm(
        model, initial_types=[("input", FT([None, f]))], target_opset=15, zipmap=zipmap
    )


def to_numbers(v):
    """An onnxruntime output as a flat float list (ZipMap: class order)."""
    if isinstance(v, list) and v and isinstance(v[0], dict):
        return [float(p) for row in v for p in row.values()]
    if np.asarray(v).dtype.kind in "OUS":
        return []  # string labels: the model is refused
    return [float(a) for a in np.asarray(v, dtype=np.float64).ravel()]


def write(out, mid, onx, xs, double=False):
    d = os.path.join(out, mid)
    os.makedirs(d, exist_ok=True)
    blob = onx.SerializeToString()
    with open(os.path.join(d, "model.onnx"), "wb") as fh:
        fh.write(blob)
    xs = xs.astype(np.float64 if double else np.float32)
    sess = ort.InferenceSession(blob, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    outs = sess.run(None, {name: xs})
    with open(os.path.join(d, "input.json"), "w") as fh:
        json.dump(
            {
                "input_data": [[float(v) for v in xs.ravel()]],
                "input_shapes": [list(xs.shape)],
            },
            fh,
        )
    with open(os.path.join(d, "expected.json"), "w") as fh:
        json.dump({"outputs": [to_numbers(o) for o in outs]}, fh)


def main(out):
    os.makedirs(out, exist_ok=True)
    ix, iy = data("iris")
    cx, cy = data("cancer")
    dx, dy = data("diabetes")
    gx, gy = data("digits")
    dyy = np.stack([dy, dy * 0.5 + 3.0], axis=1)
    bi = iy < 2
    made = []

    def add(mid, onx, xs, double=False):
        write(out, mid, onx, xs, double)
        made.append(mid)

    s_iris, s_cancer, s_diab, s_dig = (
        sample(ix, 1),
        sample(cx, 2),
        sample(dx, 3),
        sample(gx, 4),
    )

    # Tree ensembles (scikit-learn).
    m = DecisionTreeClassifier(max_depth=4, random_state=0).fit(ix, iy)
    add("iris_tree", sk(m, ix, zipmap=False), s_iris)
    add("iris_tree_zipmap_ml1", sk(m, ix, opset={"": 11, "ai.onnx.ml": 1}), s_iris)
    m = RandomForestClassifier(n_estimators=8, max_depth=4, random_state=0).fit(ix, iy)
    add("iris_forest_zipmap", sk(m, ix), s_iris)
    m = ExtraTreesClassifier(n_estimators=6, max_depth=3, random_state=0).fit(ix, iy)
    add("iris_extra_trees", sk(m, ix, zipmap=False), s_iris)
    m = GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0).fit(ix, iy)
    add("iris_gboost", sk(m, ix, zipmap=False), s_iris)
    m = make_pipeline(
        StandardScaler(), GradientBoostingClassifier(n_estimators=10, max_depth=2, random_state=0)
    ).fit(cx, cy)
    add("cancer_scaled_gboost", sk(m, cx, zipmap=False), s_cancer)
    m = make_pipeline(
        StandardScaler(), RandomForestClassifier(n_estimators=6, max_depth=3, random_state=0)
    ).fit(cx, cy)
    add("cancer_scaled_forest", sk(m, cx), s_cancer)
    m = DecisionTreeClassifier(max_depth=4, random_state=0).fit(cx, cy)
    add("cancer_tree_raw", sk(m, cx, zipmap=False), s_cancer)
    m = DecisionTreeRegressor(max_depth=5, random_state=0).fit(dx, dy)
    add("diabetes_tree", sk(m, dx), s_diab)
    m = RandomForestRegressor(n_estimators=6, max_depth=4, random_state=0).fit(dx, dy)
    add("diabetes_forest", sk(m, dx), s_diab)
    m = GradientBoostingRegressor(n_estimators=15, max_depth=3, random_state=0).fit(dx, dy)
    add("diabetes_gboost", sk(m, dx), s_diab)
    m = RandomForestRegressor(n_estimators=4, max_depth=3, random_state=0).fit(dx, dyy)
    add("diabetes_forest_2targets", sk(m, dx), s_diab)
    m = RandomForestClassifier(n_estimators=4, max_depth=5, random_state=0).fit(gx, gy)
    add("digits_forest", sk(m, gx, zipmap=False), s_dig)

    # Linear models and preprocessing.
    m = LogisticRegression(max_iter=500).fit(ix, iy)
    add("iris_logreg_zipmap", sk(m, ix), s_iris)
    add("iris_logreg_opset9", sk(m, ix, zipmap=False, opset={"": 9, "ai.onnx.ml": 1}), s_iris)
    m = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(cx, cy)
    add("cancer_scaled_logreg", sk(m, cx, zipmap=False), s_cancer)
    m = LinearRegression().fit(dx, dy)
    add("diabetes_linreg", sk(m, dx), s_diab)
    m = Ridge().fit(dx, dyy)
    add("diabetes_ridge_2targets", sk(m, dx), s_diab)
    m = make_pipeline(Normalizer(norm="l2"), LogisticRegression(max_iter=500)).fit(ix, iy)
    add("iris_l2norm_logreg", sk(m, ix, zipmap=False), s_iris)
    m = make_pipeline(Normalizer(norm="l1"), DecisionTreeClassifier(max_depth=3, random_state=0)).fit(ix, iy)
    add("iris_l1norm_tree", sk(m, ix, zipmap=False), s_iris)
    m = make_pipeline(Normalizer(norm="max"), LogisticRegression(max_iter=500)).fit(ix, iy)
    add("iris_maxnorm_logreg", sk(m, ix, zipmap=False), s_iris)
    m = make_pipeline(SimpleImputer(), MaxAbsScaler(), LogisticRegression(max_iter=500)).fit(ix, iy)
    add("iris_imputer_logreg", sk(m, ix, zipmap=False), s_iris)
    m = make_pipeline(Binarizer(threshold=5.0), LogisticRegression(max_iter=500)).fit(gx, gy)
    add("digits_binarizer_logreg", sk(m, gx, zipmap=False), s_dig)
    m = MLPClassifier(hidden_layer_sizes=(16,), max_iter=800, random_state=0).fit(ix, iy)
    add("iris_mlp", sk(m, ix), s_iris)

    # More estimators people export.
    from sklearn.ensemble import (
        AdaBoostClassifier,
        BaggingClassifier,
        VotingClassifier,
    )
    from sklearn.linear_model import Perceptron, RidgeClassifier, SGDClassifier
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.decomposition import PCA
    from sklearn.neural_network import MLPRegressor

    wx, wy = datasets.load_wine(return_X_y=True)
    wx = wx.astype(np.float32)
    s_wine = sample(wx, 5)
    # skl2onnx 1.20 cannot export HistGradientBoosting* under numpy 2
    # (boolean missing-value tracks): skipped.
    m = AdaBoostClassifier(n_estimators=5, random_state=0).fit(ix, iy)
    add("iris_adaboost", sk(m, ix, zipmap=False), s_iris)
    m = BaggingClassifier(DecisionTreeClassifier(max_depth=3), n_estimators=4, random_state=0).fit(ix, iy)
    add("iris_bagging", sk(m, ix, zipmap=False), s_iris)
    m = VotingClassifier(
        [("lr", LogisticRegression(max_iter=500)), ("dt", DecisionTreeClassifier(max_depth=3, random_state=0))],
        voting="soft", flatten_transform=False,
    ).fit(ix, iy)
    add("iris_voting_soft", sk(m, ix, zipmap=False), s_iris)
    m = SGDClassifier(random_state=0).fit(ix, iy)
    add("iris_sgd", sk(m, ix, zipmap=False), s_iris)
    m = Perceptron(random_state=0).fit(ix, iy)
    add("iris_perceptron", sk(m, ix, zipmap=False), s_iris)
    m = RidgeClassifier().fit(ix, iy)
    add("iris_ridge_classifier", sk(m, ix), s_iris)
    m = GaussianNB().fit(ix, iy)
    add("iris_gaussian_nb", sk(m, ix, zipmap=False), s_iris)
    m = KNeighborsClassifier(n_neighbors=3).fit(ix, iy)
    add("iris_knn", sk(m, ix, zipmap=False), s_iris)
    m = make_pipeline(PCA(n_components=2), LogisticRegression(max_iter=500)).fit(ix, iy)
    add("iris_pca_logreg", sk(m, ix, zipmap=False), s_iris)
    m = MLPRegressor(hidden_layer_sizes=(8,), max_iter=500, random_state=0).fit(dx, dy)
    add("diabetes_mlp", sk(m, dx), s_diab)
    m = DecisionTreeClassifier(max_depth=4, random_state=0).fit(wx, wy)
    add("wine_tree", sk(m, wx, zipmap=False), s_wine)
    m = RandomForestClassifier(n_estimators=5, max_depth=4, random_state=0).fit(wx, wy)
    add("wine_forest", sk(m, wx), s_wine)
    m = GradientBoostingClassifier(n_estimators=8, max_depth=2, random_state=0).fit(ix[bi], iy[bi])
    add("iris2_gboost_binary", sk(m, ix, zipmap=False), s_iris)
    m = LogisticRegression(max_iter=500).fit(ix[bi], iy[bi])
    add("iris2_logreg_binary", sk(m, ix), s_iris)
    m = DecisionTreeClassifier(max_depth=3, random_state=0).fit(ix[bi], iy[bi])
    add("iris2_tree_binary", sk(m, ix), s_iris)

    # Kernel SVMs.
    m = SVC(kernel="rbf", probability=False).fit(ix, iy)
    add("iris_svc_rbf", sk(m, ix, zipmap=False), s_iris)
    m = SVC(kernel="linear").fit(ix, iy)
    add("iris_svc_linear", sk(m, ix, zipmap=False), s_iris)
    m = SVC(kernel="poly", degree=2).fit(ix[bi], iy[bi])
    add("iris2_svc_poly_binary", sk(m, ix, zipmap=False), s_iris)
    m = SVC(kernel="rbf", probability=True, random_state=0).fit(ix, iy)
    add("iris_svc_probability", sk(m, ix, zipmap=False), s_iris)
    m = SVR(kernel="linear").fit(dx, dy)
    add("diabetes_svr_linear", sk(m, dx), s_diab)
    m = SVR(kernel="rbf", C=50.0).fit(dx, dy)
    add("diabetes_svr_rbf", sk(m, dx), s_diab)
    m = make_pipeline(StandardScaler(), SVR(kernel="sigmoid", C=5.0)).fit(dx, dy)
    add("diabetes_svr_sigmoid", sk(m, dx), s_diab)
    from sklearn.svm import OneClassSVM

    m = OneClassSVM(kernel="rbf", gamma=0.5).fit(ix)
    add("iris_one_class_svm", sk(m, ix), s_iris)

    # Refused: string labels.
    names = np.array(["setosa", "versicolor", "virginica"])[iy]
    m = DecisionTreeClassifier(max_depth=3, random_state=0).fit(ix, names)
    add("iris_tree_string_labels", sk(m, ix, zipmap=False), s_iris)

    # XGBoost and LightGBM (onnxmltools).
    try:
        import xgboost

        m = xgboost.XGBClassifier(n_estimators=8, max_depth=3).fit(ix, iy)
        add("iris_xgboost", xgb(m, 4), s_iris)
        m = xgboost.XGBClassifier(n_estimators=8, max_depth=3).fit(cx, cy)
        add("cancer_xgboost", xgb(m, 30), s_cancer)
        m = xgboost.XGBClassifier(n_estimators=8, max_depth=3).fit(ix[bi], iy[bi])
        add("iris2_xgboost_binary", xgb(m, 4), s_iris)
        m = xgboost.XGBRegressor(n_estimators=8, max_depth=3).fit(dx, dy)
        add("diabetes_xgboost", xgb(m, 10), s_diab)
    except ImportError:
        print("xgboost not installed: skipping its models", file=sys.stderr)
    try:
        import lightgbm

        kw = dict(n_estimators=8, num_leaves=7, verbose=-1)
        m = lightgbm.LGBMClassifier(**kw).fit(ix, iy)
        add("iris_lightgbm", lgbm(m, 4), s_iris)
        m = lightgbm.LGBMClassifier(**kw).fit(cx, cy)
        add("cancer_lightgbm", lgbm(m, 30, zipmap=False), s_cancer)
        m = lightgbm.LGBMClassifier(**kw).fit(ix[bi], iy[bi])
        add("iris2_lightgbm_binary", lgbm(m, 4), s_iris)
        m = lightgbm.LGBMRegressor(**kw).fit(dx, dy)
        add("diabetes_lightgbm", lgbm(m, 10), s_diab)
    except ImportError:
        print("lightgbm not installed: skipping its models", file=sys.stderr)
    synthetic(add)
    print(f"{len(made)} models in {out}", file=sys.stderr)


def ml_model(op, attrs, n_in, outputs, opset_ml=3):
    """A one-node ONNX-ML model on a float input [N, n_in]."""
    from onnx import TensorProto, helper

    node = helper.make_node(op, ["X"], [o for o, _ in outputs], domain="ai.onnx.ml", **attrs)
    graph = helper.make_graph(
        [node],
        op,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_in])],
        [helper.make_tensor_value_info(o, t, None) for o, t in outputs],
    )
    return helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 15), helper.make_opsetid("ai.onnx.ml", opset_ml)],
    )


def tree_attrs(trees, prefix):
    """`trees`: per tree a list of nodes, (mode, feature, threshold, true, false)
    for branches and ("LEAF", [(id, weight), ...]) for leaves."""
    a = {k: [] for k in ["treeids", "nodeids", "featureids", "modes", "values", "truenodeids", "falsenodeids"]}
    w = {k: [] for k in ["treeids", "nodeids", "ids", "weights"]}
    for t, nodes in enumerate(trees):
        for i, nd in enumerate(nodes):
            a["treeids"].append(t)
            a["nodeids"].append(i)
            a["modes"].append(nd[0])
            if nd[0] == "LEAF":
                a["featureids"].append(0)
                a["values"].append(0.0)
                a["truenodeids"].append(0)
                a["falsenodeids"].append(0)
                for cid, wt in nd[1]:
                    w["treeids"].append(t)
                    w["nodeids"].append(i)
                    w["ids"].append(cid)
                    w["weights"].append(wt)
            else:
                _, f, thr, tn, fn = nd
                a["featureids"].append(f)
                a["values"].append(thr)
                a["truenodeids"].append(tn)
                a["falsenodeids"].append(fn)
    attrs = {f"nodes_{k}": v for k, v in a.items()}
    attrs.update({f"{prefix}_{k}": v for k, v in w.items()})
    return attrs


def synthetic(add):
    """Hand-built ONNX-ML nodes for the cases exporters rarely write: every
    branch mode, MIN/MAX aggregation, SOFTMAX_ZERO, onnxruntime's two-class
    rules, a one-column LinearClassifier, and a refused PROBIT."""
    from onnx import TensorProto

    fl, i64 = TensorProto.FLOAT, TensorProto.INT64
    # Integer-valued features so that EQ/NEQ and the boundaries are hit.
    xs = np.array(
        [[0, 1, 2], [1, 1, 0], [2, 0, 1], [1, 2, 2], [3, 1, 1], [0, 0, 0], [2, 2, 1], [1, 0, 3]],
        dtype=np.float32,
    )
    modes = [
        [
            ("BRANCH_GT", 0, 1.0, 1, 2),
            ("BRANCH_EQ", 1, 1.0, 3, 4),
            ("BRANCH_NEQ", 2, 1.0, 5, 6),
            ("BRANCH_GTE", 2, 2.0, 7, 8),
            ("LEAF", [(0, -1.5)]),
            ("BRANCH_LT", 1, 1.0, 9, 10),
            ("LEAF", [(0, 2.25)]),
            ("LEAF", [(0, 0.5)]),
            ("LEAF", [(0, 3.0)]),
            ("BRANCH_LEQ", 0, 0.0, 11, 12),
            ("LEAF", [(0, -0.75)]),
            ("LEAF", [(0, 1.25)]),
            ("LEAF", [(0, -2.0)]),
        ]
    ]
    add(
        "synth_tree_all_modes",
        ml_model("TreeEnsembleRegressor", dict(n_targets=1, base_values=[0.5], **tree_attrs(modes, "target")), 3, [("Y", fl)]),
        xs,
    )
    forest = [
        [("BRANCH_LEQ", 0, 1.5, 1, 2), ("LEAF", [(0, 1.0), (1, -1.0)]), ("LEAF", [(0, 3.0), (1, 0.5)])],
        [("BRANCH_LT", 1, 1.0, 1, 2), ("LEAF", [(0, 2.0), (1, 2.0)]), ("LEAF", [(0, -1.0), (1, 1.5)])],
        [("BRANCH_GTE", 2, 2.0, 1, 2), ("LEAF", [(0, 0.25), (1, 3.0)]), ("LEAF", [(0, 1.5), (1, -0.5)])],
    ]
    for agg in ["MIN", "MAX", "AVERAGE"]:
        add(
            f"synth_forest_{agg.lower()}",
            ml_model(
                "TreeEnsembleRegressor",
                dict(n_targets=2, aggregate_function=agg, base_values=[0.5, -0.25], **tree_attrs(forest, "target")),
                3,
                [("Y", fl)],
            ),
            xs,
        )
    add(
        "synth_forest_softmax_zero",
        ml_model(
            "TreeEnsembleClassifier",
            dict(classlabels_int64s=[0, 1, 2], post_transform="SOFTMAX_ZERO",
                 **tree_attrs([[("BRANCH_LEQ", 0, 1.5, 1, 2), ("LEAF", [(0, 1.0), (1, 2.0)]), ("LEAF", [(1, 0.5), (2, 1.5)])]], "class")),
            3,
            [("label", i64), ("scores", fl)],
        ),
        xs,
    )
    stump = lambda a, b: [[("BRANCH_LEQ", 0, 1.5, 1, 2), ("LEAF", a), ("LEAF", b)], [("BRANCH_LEQ", 2, 0.5, 1, 2), ("LEAF", a), ("LEAF", b)]]
    cases = {
        # Weights on class 1 only, one base value, LOGISTIC.
        "synth_binary_class1_logistic": (stump([(1, -0.4)], [(1, 0.9)]), dict(base_values=[0.1], post_transform="LOGISTIC")),
        # Weights on class 0 only, all positive: [1 − s, s], label s > 0.5.
        "synth_binary_class0_positive": (stump([(0, 0.2)], [(0, 0.35)]), {}),
        # Weights on class 0 only, mixed signs, LOGISTIC: [σ(−s), σ(s)].
        "synth_binary_class0_mixed_logistic": (stump([(0, -0.7)], [(0, 0.6)]), dict(base_values=[0.05], post_transform="LOGISTIC")),
        # Weights on class 0 only, mixed signs, NONE.
        "synth_binary_class0_mixed": (stump([(0, -0.7)], [(0, 0.6)]), {}),
        # Weights on both classes, labels 4 and 9.
        "synth_binary_both_labels": (stump([(0, 0.7), (1, 0.3)], [(0, 0.2), (1, 0.8)]), dict(classlabels_int64s=[4, 9])),
    }
    for mid, (trees, extra) in cases.items():
        attrs = dict(classlabels_int64s=[0, 1])
        attrs.update(extra)
        attrs.update(tree_attrs(trees, "class"))
        add(mid, ml_model("TreeEnsembleClassifier", attrs, 3, [("label", i64), ("scores", fl)]), xs)
    add(
        "synth_linear_one_column",
        ml_model(
            "LinearClassifier",
            dict(coefficients=[0.5, -1.0, 0.25], intercepts=[0.1], classlabels_ints=[3, 7]),
            3,
            [("label", i64), ("scores", fl)],
            opset_ml=1,
        ),
        xs,
    )
    # TreeEnsemble (ai.onnx.ml opset 5) with set membership and every mode.
    from onnx import helper, numpy_helper

    def v5(mid, modes_, splits, feats, tn, tl, fn, fl, roots, targets, weights, members, **kw):
        attrs = dict(
            nodes_modes=numpy_helper.from_array(np.array(modes_, dtype=np.uint8), "nodes_modes"),
            nodes_splits=numpy_helper.from_array(np.array(splits, dtype=np.float32), "nodes_splits"),
            nodes_featureids=feats,
            nodes_truenodeids=tn,
            nodes_trueleafs=tl,
            nodes_falsenodeids=fn,
            nodes_falseleafs=fl,
            tree_roots=roots,
            leaf_targetids=targets,
            leaf_weights=numpy_helper.from_array(np.array(weights, dtype=np.float32), "leaf_weights"),
            **kw,
        )
        if members:
            attrs["membership_values"] = numpy_helper.from_array(np.array(members, dtype=np.float32), "membership_values")
        add(mid, ml_model("TreeEnsemble", attrs, 3, [("Y", fl_)], opset_ml=5), xs)

    fl_ = fl
    nan = float("nan")
    # Tree 0: x0 ∈ {0, 2}? → (x1 < 1 ? leaf0 : leaf1) : (x2 NEQ 1 ? leaf2 : leaf3);
    # tree 1: x2 > 1 → leaf4 else (x1 >= 2 ? leaf5 : leaf6).
    v5(
        "synth_tree_v5_member",
        [6, 1, 5, 3, 2],
        [0.0, 1.0, 1.0, 1.0, 2.0],
        [0, 1, 2, 2, 1],
        [1, 0, 2, 4, 5],
        [0, 1, 1, 1, 1],
        [2, 1, 3, 4, 6],
        [0, 1, 1, 0, 1],
        [0, 3],
        [0, 1, 0, 1, 0, 1, 0],
        [1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 0.25],
        [0.0, 2.0, nan],
        n_targets=2,
        aggregate_function=0,
    )
    v5(
        "synth_tree_v5_max_logistic",
        [0, 4],
        [1.5, 1.0],
        [0, 1],
        [0, 1],
        [1, 1],
        [1, 2],
        [0, 1],
        [0],
        [0, 1, 0],
        [1.0, 2.0, -1.0],
        [],
        n_targets=2,
        aggregate_function=3,
        post_transform=1,
    )
    # A Scaler with negative and positive factors in front of a tree (the
    # loader folds it into the thresholds, mirroring tests for s < 0).
    from onnx import helper as oh

    tree = [
        [
            ("BRANCH_LEQ", 0, 0.3, 1, 2),
            ("BRANCH_LT", 1, -0.5, 3, 4),
            ("BRANCH_GTE", 2, 1.0, 5, 6),
            ("LEAF", [(0, 1.0)]),
            ("LEAF", [(0, 2.0)]),
            ("LEAF", [(0, 3.0)]),
            ("LEAF", [(0, 4.0)]),
        ]
    ]
    scaler = oh.make_node("Scaler", ["X"], ["Xs"], domain="ai.onnx.ml", offset=[1.0, 0.5, -1.0], scale=[-0.5, 2.0, 0.25])
    te = oh.make_node("TreeEnsembleRegressor", ["Xs"], ["Y"], domain="ai.onnx.ml", n_targets=1, **tree_attrs(tree, "target"))
    g = oh.make_graph(
        [scaler, te],
        "scaled_tree",
        [oh.make_tensor_value_info("X", fl, [None, 3])],
        [oh.make_tensor_value_info("Y", fl, None)],
    )
    xs2 = np.array([[0, 0, 2], [1, 1, 5], [2, 0, 9], [0.5, 2, 4], [3, -1, 0], [0.2, 0.25, 5], [1.6, 0, 4], [-1, 0.2, 6]], dtype=np.float32)
    add("synth_scaler_tree", oh.make_model(g, opset_imports=[oh.make_opsetid("", 15), oh.make_opsetid("ai.onnx.ml", 3)]), xs2)
    add(
        "synth_probit",
        ml_model(
            "TreeEnsembleRegressor",
            dict(n_targets=1, post_transform="PROBIT", **tree_attrs([[("BRANCH_LEQ", 0, 1.5, 1, 2), ("LEAF", [(0, 0.2)]), ("LEAF", [(0, 0.7)])]], "target")),
            3,
            [("Y", fl)],
        ),
        xs,
    )


if __name__ == "__main__":
    main(sys.argv[1])
