"""REST v10: the front door (api.py), shared request pieces (http.py), message building, one module per resource."""

from .api import Fault, RestApi
from .compose import MessageComposer
from .http import RouteDef, UploadedFile, json_response, no_content

__all__ = ["Fault", "MessageComposer", "RestApi", "RouteDef", "UploadedFile", "json_response", "no_content"]
