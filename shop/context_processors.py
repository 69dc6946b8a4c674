def site(request):
    """Site-wide template context: the language switcher needs the current path."""
    return {"current_path": request.get_full_path()}
