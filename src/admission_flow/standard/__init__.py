"""The standard procedure ``vn-2021`` as an ordinary plugin, with its YAML.

It uses only the hooks a third party would use; the plugin manager registers it first.
"""
