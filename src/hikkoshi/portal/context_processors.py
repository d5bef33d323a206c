from hikkoshi.places.regions import get_region


def portal(request):
    return {"portal_region": get_region()}
