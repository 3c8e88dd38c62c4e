"""Operator tools: diagnose captured outputs, and (later) rescue, resize, busy, top."""
