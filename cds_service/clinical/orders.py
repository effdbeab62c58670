"""Which draft orders are dexrazoxane. (First cut: none recognised yet.)"""

from __future__ import annotations

from cds_service.fhir.pool import Resource, ResourcePool


def dexrazoxane_orders(pool: ResourcePool) -> list[Resource]:
    return []
