"""Thin API views: parse with an input serializer, call a selector or a service, answer with an output one."""
