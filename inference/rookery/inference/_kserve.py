"""KServe, imported with an empty command line.

``kserve.model_server`` parses ``sys.argv`` when first imported; inside `rookery inference`,
`rookery up` or pytest, those arguments are not KServe's and could make its parser exit.
"""

import sys

_argv = sys.argv
sys.argv = _argv[:1]
try:
    import kserve
    from kserve import InferOutput, InferRequest, InferResponse, Model
    from kserve.errors import InvalidInput
finally:
    sys.argv = _argv

__all__ = ["InferOutput", "InferRequest", "InferResponse", "InvalidInput", "Model", "kserve"]
