"""The figures of ``run.py``: each module measures one and writes its table."""
