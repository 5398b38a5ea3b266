from django.urls import path

from talks import views

app_name = "talks"

urlpatterns = [
    path("", views.home, name="home"),
    path("conferences/", views.conference_list, name="conference_list"),
    path("conferences/<int:year>/", views.conference_list, name="conference_year"),
    path("speakers/", views.speaker_list, name="speaker_list"),
    path("speakers/<slug:slug>/", views.speaker_detail, name="speaker_detail"),
    path("tags/", views.tag_list, name="tag_list"),
    path("tags/<str:slug>/", views.tag_detail, name="tag_detail"),
    path("<slug:conference>/", views.conference_detail, name="conference_detail"),
    path("<slug:conference>/talks/<slug:talk>/", views.talk_detail, name="talk_detail"),
    path("<slug:conference>/<slug:day>/", views.day_detail, name="day_detail"),
]
