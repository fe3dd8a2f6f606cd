"""The aiohttp 0.9 API, re-implemented as separately installable packages.

This file belongs to the ``aiohttp`` meta-package alone. Every other
distribution ships its modules as a portion of this namespace; extending
``__path__`` lets portions installed in other directories (editable installs,
user site) be found as well.
"""

__path__ = __import__("pkgutil").extend_path(__path__, __name__)

__version__ = "0.1.0.dev0"
