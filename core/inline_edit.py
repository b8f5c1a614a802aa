"""Editing one field of a card in place (htmx): GET shows the field's form, POST saves it
through the item's update service and shows the field again, or the form with its errors."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .errors import ApplicationError

TEMPLATE = "includes/inline_field.html"


def inline_field_response(
    request: HttpRequest,
    *,
    obj,
    form_class: type[forms.ModelForm],
    field: str,
    url: str,
    save: Callable[[dict], object],
) -> HttpResponse:
    """The in-place editor of `field` of `obj`. `save(data)` calls the update service with the
    cleaned value; its ValidationError and ApplicationError show on the form."""
    if field not in form_class._meta.fields:
        raise Http404("no such field")
    form_for_field = modelform_factory(type(obj), form=form_class, fields=[field])
    form = form_for_field(request.POST or None, instance=obj)
    editing = request.method == "GET" and "edit" in request.GET
    if request.method == "POST" and form.is_valid():
        try:
            obj = save({field: form.cleaned_data[field]})
        except ValidationError as error:
            form.add_error(None, error)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            form = form_for_field(instance=obj)
    if request.method == "POST" and form.errors:
        editing = True
    context = {"obj": obj, "form": form, "field": form[field], "url": url, "editing": editing}
    return render(request, TEMPLATE, context)
