"""Operator tools: diagnose captured outputs, rescue-mount or resize a container's device, find who
holds a mount (busy), and the pool's top consumers (top). Their commands are in guardian/commands/.
"""
