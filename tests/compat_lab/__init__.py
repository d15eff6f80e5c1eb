"""A small lab package written for DataJoint 0.14 in the DataJoint Elements' style (a module per
schema, ``activate()`` functions, a linking module, CSV ingestion). The compatibility tests run it
unchanged on djnb through ``djnb.install_as_datajoint()``; it is our own code, not the Elements'."""
