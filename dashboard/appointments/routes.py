from flask import Blueprint

bp = Blueprint("appointments", __name__)
